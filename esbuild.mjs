// Bundles every entry point of the extension, server, CLI and webviews.
// Usage: node esbuild.mjs [--watch] [--production]
/* global process */
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { integrationTestList } from './test/integration/esbuildTestList.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // ESM dependencies that use import.meta.url need it defined in a CJS bundle.
  banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__import_meta_url' },
};

/** Entry points appear as features land; a missing one is skipped, not an error. */
const targets = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/server/server.ts'], outfile: 'dist/server.js' },
  { ...node, entryPoints: ['src/server/worker.ts'], outfile: 'dist/worker.js' },
  // onnxruntime-web (a devDependency, for `hyperbo bench regret` on YAHPO surrogates) is loaded at run time, never bundled.
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: ['onnxruntime-web'] },
  { ...node, entryPoints: ['test/integration/index.ts'], outfile: 'out/integration/index.js', external: ['vscode', 'mocha'], plugins: [integrationTestList] },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview/main.js',
  },
].filter((t) => t.entryPoints.every((e) => existsSync(e)));

// SQLite as WebAssembly (Optuna and MLflow storages): the bundles load dist/sql-wasm.wasm beside them.
mkdirSync('dist', { recursive: true });
// A production build writes no source maps; an earlier development build's would otherwise be stale and shipped.
if (production) {
  for (const f of readdirSync('dist', { recursive: true, encoding: 'utf8' })) if (f.endsWith('.map')) rmSync(join('dist', f));
}
copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');

if (watch) {
  for (const t of targets) await (await esbuild.context(t)).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
