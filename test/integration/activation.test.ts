import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, extensionId, workspaceFolder } from './helpers';

describe('extension activation', () => {
  it('is installed under its published id and activates', async () => {
    const extension = await activateExtension();
    assert.equal(extension.id, extensionId);
    assert.equal(extension.isActive, true);
    assert.equal(extension.packageJSON.name, 'hyperbo');
  });

  it('registers every command it contributes', async () => {
    const extension = await activateExtension();
    const contributed = (extension.packageJSON.contributes?.commands ?? []) as Array<{ command: string }>;
    assert.ok(contributed.length > 0, 'package.json contributes no command');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('runs HyperBO: Show Output', async () => {
    await activateExtension();
    await vscode.commands.executeCommand('hyperbo.showOutput');
  });

  it('opens on a workspace folder', () => {
    assert.ok(workspaceFolder().uri.fsPath.length > 0);
  });
});
