import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'media/vendor/**', 'src/engine/wasm/assembly/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // Layer rules: the engine is pure; the client never reaches into the server or engine;
  // webviews only see the shared protocol. src/priors (the prior pipeline the server and the CLI share) is Node
  // code on top of the engine and formats: no vscode, no LSP, nothing from the server, client or CLI.
  { files: ['src/engine/**'], rules: restrict(['vscode', 'vscode-*', 'node:*', 'fs', '**/server/**', '**/client/**', '**/formats/**', '**/priors/**']) },
  { files: ['src/formats/**'], rules: restrict(['vscode', '**/client/**', '**/webview/**', '**/server/**', '**/priors/**']) },
  { files: ['src/priors/**'], rules: restrict(['vscode', 'vscode-*', '**/server/**', '**/client/**', '**/webview/**', '**/cli/**', '**/shared/**']) },
  // src/scheduler drives cluster schedulers' command-line tools for both `hyperbo tune` and the editor's runner.
  { files: ['src/scheduler/**'], rules: restrict(['vscode', 'vscode-*', '**/engine/**', '**/server/**', '**/client/**', '**/webview/**', '**/cli/**', '**/priors/**', '**/formats/**']) },
  // src/session: what the server and `hyperbo tune` share about running a trial (Node only; below both).
  { files: ['src/session/**'], rules: restrict(['vscode', 'vscode-*', '**/server/**', '**/client/**', '**/webview/**', '**/cli/**']) },
  { files: ['src/server/**'], rules: restrict(['vscode', '**/client/**', '**/webview/**']) },
  // The client never reads YAML itself: it asks the server (locations, edits, ghost text).
  { files: ['src/client/**', 'src/extension.ts'], rules: restrict(['**/engine/**', '**/server/**', '**/formats/**', '**/priors/**', 'yaml']) },
  { files: ['src/webview/**'], rules: restrict(['vscode', 'node:*', '**/engine/**', '**/server/**', '**/client/**', '**/formats/**', '**/priors/**']) },
  { files: ['src/shared/**'], rules: { ...restrict(['vscode', 'node:*', '**/engine/**', '**/server/**', '**/client/**', '**/priors/**']), '@typescript-eslint/no-namespace': 'off' } },
);
