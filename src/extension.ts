// Entry point of the HyperBO extension. Minimal for now (written by the test-infrastructure
// helper so the integration and e2e suites have a real extension to drive); the client work
// replaces it with the language client, commands, views and panels. Keep the
// 'hyperbo.showOutput' command and the "HyperBO <version> activated" log line: the e2e harness
// waits for that line as its readiness signal (test/e2e/harness.ts, waitForExtensionReady).
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
