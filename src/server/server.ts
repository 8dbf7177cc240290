// The HyperBO language server's entry point (bundled to dist/server.js). The client starts it over IPC;
// `--stdio` and `--node-ipc`/`--socket` are understood by createConnection.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLanguageServer } from './languageServer';

startLanguageServer(createConnection(ProposedFeatures.all));
