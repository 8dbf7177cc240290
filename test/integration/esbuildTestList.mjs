// esbuild plugin: resolves the virtual module `hyperbo:integration-tests` to the list of
// test/integration/**/*.test.ts files, each loaded lazily so mocha's globals (describe, it)
// exist before a test file's top-level code runs. Adding a test is adding a file.
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const testsRoot = dirname(fileURLToPath(import.meta.url));
const virtualModule = 'hyperbo:integration-tests';

export function listIntegrationTests() {
  return readdirSync(testsRoot, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => resolve(testsRoot, file))
    .sort();
}

export const integrationTestList = {
  name: 'integration-test-list',
  setup(build) {
    build.onResolve({ filter: /^hyperbo:integration-tests$/ }, () => ({ path: virtualModule, namespace: 'integration-tests' }));
    build.onLoad({ filter: /.*/, namespace: 'integration-tests' }, () => {
      const files = listIntegrationTests();
      const entries = files.map(
        (file) => `  { file: ${JSON.stringify(relative(join(testsRoot, '..', '..'), file))}, load: () => require(${JSON.stringify(file)}) },`,
      );
      return {
        contents: `export const integrationTests = [\n${entries.join('\n')}\n];\n`,
        loader: 'js',
        resolveDir: testsRoot,
        watchFiles: files,
        watchDirs: [testsRoot],
      };
    });
  },
};
