// The virtual module produced at build time by esbuildTestList.mjs.
declare module 'hyperbo:integration-tests' {
  export const integrationTests: ReadonlyArray<{ readonly file: string; readonly load: () => unknown }>;
}
