// Entry point of the HyperBO extension. Minimal for now (written by the test-infrastructure
// helper so the integration and e2e suites have a real extension to drive); the client work
// replaces it with the language client, commands, views and panels.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('HyperBO', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('hyperbo.showOutput', () => log.show(true)),
  );
  log.info(`HyperBO ${String(context.extension.packageJSON.version)} activated`);
}

export function deactivate(): void {}
