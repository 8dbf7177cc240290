// Checks the harness helpers themselves on features VS Code ships, so HyperBO's e2e tests can
// rely on them: Quick Open, editor text, and reading a webview (the built-in Markdown preview).
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workbench } from './setup';

describe('e2e harness', () => {
  it('opens a workspace file and reads its text in the editor', async () => {
    const vs = workbench();
    writeFileSync(join(vs.workspace, 'harness-check.md'), '# Harness heading\n\nA paragraph the harness reads back.\n');
    await vs.openFile('harness-check.md');
    await vs.waitForText('A paragraph the harness reads back.', { within: '.part.editor' });
    await vs.screenshot('harness-open-file');
  });

  it('finds text inside a webview frame', async () => {
    const vs = workbench();
    await vs.runCommand('Markdown: Open Preview to the Side');
    const preview = await vs.webviewFrame('A paragraph the harness reads back.');
    assert.equal((await preview.locator('h1').first().innerText()).trim(), 'Harness heading');
    await vs.screenshot('harness-webview');
    await vs.runCommand('View: Close All Editors');
    await vs.waitForTextGone('A paragraph the harness reads back.');
  });
});
