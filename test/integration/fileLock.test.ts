// The editor and `hyperbo tune` write one experiment file at once (issue 10): the editor's trial writes take the
// file's advisory lock (src/files/lock.ts), compute the edit on the file as it is on disk then, and fail with a
// message when the lock cannot be had in time. No trial is lost, no id is used twice.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { acquireLock } from '../../src/files/lock';
import { parseExperiment } from '../../src/formats/experiment';
import { experimentListed, hyperboApi, waitFor, workspaceFolder } from './helpers';

/** A one-parameter experiment whose command writes `loss` = x to its log after `sleepMs` (in the workspace root, see client.test.ts). */
function writeExperiment(name: string, trials: string, sleepMs = 0): vscode.Uri {
  const file = join(workspaceFolder().uri.fsPath, `${name}.hyperbo.yaml`);
  // It writes its own log (hyperbo tune does not capture output into run.log).
  const script = `const fs = require('fs'); const path = require('path'); setTimeout(() => { fs.mkdirSync(path.dirname(process.argv[2]), { recursive: true }); fs.writeFileSync(process.argv[2], JSON.stringify({ step: 1, loss: Number(process.argv[1]) }) + '\\n'); }, ${sleepMs});`;
  const text = [
    `name: ${name}`,
    'objective: { metric: loss, goal: minimize, reduce: min }',
    'search_space:',
    '  x: { type: float, low: 0.01, high: 1, scale: log }',
    'budget: 40',
    'run:',
    `  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, "\${x}", "runs/${name}-\${trial}.log"]`,
    `  log: runs/${name}-\${trial}.log`,
    '  capture: true',
    trials,
    '',
  ].join('\n');
  writeFileSync(file, text);
  return vscode.Uri.file(file);
}

function trialsOnDisk(uri: vscode.Uri): { id: number; status: string; value?: number; params: Record<string, unknown> }[] {
  const parsed = parseExperiment(readFileSync(uri.fsPath, 'utf8'));
  assert.ok(parsed.ok && parsed.experiment, `the file parses: ${JSON.stringify(parsed.diagnostics.slice(0, 3))}`);
  return parsed.experiment.trials.map((t) => ({ id: t.id, status: t.status, value: t.value, params: t.params }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HyperBO editor and other writers of one file', function () {
  this.timeout(180_000);

  it('waits for another writer\'s lock, then writes on the file as that writer left it (its trial kept, the next id)', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('lock-wait', 'trials:\n  - { id: 1, params: { x: 0.5 }, status: completed, value: 0.5 }');
    await experimentListed(hyperbo, uri);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const lock = await acquireLock(uri.fsPath);
    let pendingDone = false;
    let pending: Promise<number>;
    try {
      // The other writer appends trial 2 while it holds the lock; the editor's document has not seen it.
      writeFileSync(uri.fsPath, readFileSync(uri.fsPath, 'utf8') + '  - { id: 2, params: { x: 0.25 }, status: running }\n');
      pending = hyperbo.ctx.editor.addTrial(uri.toString(), { x: 0.125 });
      void pending.finally(() => (pendingDone = true)).catch(() => undefined);
      await sleep(1500);
      assert.equal(pendingDone, false, 'the editor waits while the lock is held');
      assert.deepEqual(trialsOnDisk(uri).map((t) => t.id), [1, 2]);
    } finally {
      await lock.release();
    }
    assert.equal(await pending, 3, 'the id is the next free one in the file as it is on disk');
    const trials = trialsOnDisk(uri);
    assert.deepEqual(trials.map((t) => [t.id, t.status]), [[1, 'completed'], [2, 'running'], [3, 'pending']]);
    const document = await vscode.workspace.openTextDocument(uri);
    await waitFor('the editor to show the file as written', () => !document.isDirty && document.getText() === readFileSync(uri.fsPath, 'utf8'));
  });

  it('fails with a message naming the lock\'s holder, and writes nothing, when the lock is held too long', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('lock-timeout', 'trials:\n  - { id: 1, params: { x: 0.5 }, status: running }');
    await experimentListed(hyperbo, uri);
    const before = readFileSync(uri.fsPath, 'utf8');
    const lock = await acquireLock(uri.fsPath);
    const saved = hyperbo.ctx.editor.lockTimeoutMs;
    hyperbo.ctx.editor.lockTimeoutMs = 1000;
    try {
      await assert.rejects(
        hyperbo.ctx.editor.updateTrial({ uri: uri.toString(), trialId: 1, status: 'completed', value: 0.5 }),
        (error: Error) => /could not record trial 1 as completed/.test(error.message) && new RegExp(`locked by process ${process.pid}`).test(error.message),
      );
      assert.equal(readFileSync(uri.fsPath, 'utf8'), before, 'nothing was written');
    } finally {
      hyperbo.ctx.editor.lockTimeoutMs = saved;
      await lock.release();
    }
    await hyperbo.ctx.editor.updateTrial({ uri: uri.toString(), trialId: 1, status: 'completed', value: 0.5 });
    assert.deepEqual(trialsOnDisk(uri).map((t) => [t.id, t.status, t.value]), [[1, 'completed', 0.5]]);
  });

  it('hyperbo tune appends and records trials while the editor adds trials and records results: none lost, no duplicate id', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('two-writers', 'trials: []', 150);
    await experimentListed(hyperbo, uri);
    // The experiment is open in an editor (clean), as when the user watches tune fill it.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const cli = join(vscode.extensions.getExtension('hyperbo-dev.hyperbo')!.extensionPath, 'bin', 'hyperbo.js');
    const tune = spawn(process.execPath, [cli, 'tune', uri.fsPath, '--trials', '6', '--workspace', workspaceFolder().uri.fsPath], {
      cwd: workspaceFolder().uri.fsPath,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    tune.stdout.on('data', (d: Buffer) => (output += String(d)));
    tune.stderr.on('data', (d: Buffer) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => tune.on('close', (code) => resolve(code)));
    let tuneDone = false;
    void exited.then(() => (tuneDone = true));
    const mine = new Map<number, number>();
    for (let k = 0; k < 6; k++) {
      const x = 0.02 + k * 0.1;
      const id = await hyperbo.ctx.editor.addTrial(uri.toString(), { x });
      await hyperbo.ctx.editor.updateTrial({ uri: uri.toString(), trialId: id, status: 'running', started: new Date().toISOString() });
      await sleep(120);
      await hyperbo.ctx.editor.updateTrial({ uri: uri.toString(), trialId: id, status: 'completed', value: x, finished: new Date().toISOString() });
      mine.set(id, x);
    }
    assert.equal(await exited, 0, `hyperbo tune exits 0:\n${output}`);
    assert.ok(tuneDone);
    const trials = trialsOnDisk(uri);
    const ids = trials.map((t) => t.id);
    assert.equal(new Set(ids).size, ids.length, `no duplicate id: ${ids.join(', ')}`);
    assert.equal(mine.size, 6, 'the editor got six distinct ids');
    for (const [id, x] of mine) {
      const t = trials.find((tr) => tr.id === id);
      assert.ok(t, `the editor's trial ${id} is in the file`);
      assert.deepEqual([t.status, t.value, t.params.x], ['completed', x, x], `trial ${id} as the editor recorded it`);
    }
    const tunes = trials.filter((t) => !mine.has(t.id));
    assert.equal(tunes.length, 6, `tune's six trials are in the file:\n${output}`);
    for (const t of tunes) assert.equal(t.status, 'completed', `tune's trial ${t.id} is recorded as completed`);
    const document = await vscode.workspace.openTextDocument(uri);
    await waitFor('the editor to show the file as written', () => !document.isDirty && document.getText() === readFileSync(uri.fsPath, 'utf8'));
  });
});
