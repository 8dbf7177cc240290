// run.stopping in a real VS Code: the server tails the running trial's log, finds it worse than the median of the
// completed trials at a step, and orders it stopped; the window that runs it (Run Trial) stops its process and records
// the trial as `stopped` with the step, the value there and the reason. Real processes, real logs.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { HyperboApi } from '../../src/extension';
import { parseExperiment, type Trial } from '../../src/formats/experiment';
import { ListExperimentsRequest, TrialHistoryRequest } from '../../src/shared/protocol';
import { activateExtension, waitFor, workspaceFolder } from './helpers';

async function api(): Promise<HyperboApi> {
  const extension = await activateExtension();
  const exports = extension.exports as HyperboApi;
  await exports.ready;
  await exports.ctx.server.start();
  return exports;
}

/** Steps the bad run would log if nothing stopped it (one every 300 ms). */
const FULL_STEPS = 40;
/** Logs `loss: 5` at steps 1..FULL_STEPS, slowly: far above the completed trials' curves from step 1 on. */
const badScript = `let i = 0; const t = setInterval(() => { i++; console.log(JSON.stringify({ step: i, loss: 5 })); if (i === ${FULL_STEPS}) clearInterval(t); }, 300);`;

/** A completed trial's curve: loss = scale / step over 20 steps (so its value is scale / 20). */
function completedLog(scale: number): string {
  return Array.from({ length: 20 }, (_, i) => JSON.stringify({ step: i + 1, loss: scale / (i + 1) })).join('\n') + '\n';
}

/** An experiment with run.stopping, three completed trials with curves in their logs, and pending trial 4. */
function writeExperiment(name: string, command: string, extraTrials = ''): vscode.Uri {
  const root = workspaceFolder().uri.fsPath;
  mkdirSync(join(root, 'runs'), { recursive: true });
  [1, 2, 3].forEach((id) => writeFileSync(join(root, 'runs', `${name}-${id}.log`), completedLog(id)));
  const file = join(root, `${name}.hyperbo.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'objective: { metric: loss, goal: minimize, reduce: min }',
      'search_space:',
      '  x: { type: float, low: 0.01, high: 1, scale: log }',
      'run:',
      `  command: ${command}`,
      `  log: runs/${name}-\${trial}.log`,
      '  capture: true',
      '  stopping: { rule: median, min_steps: 3, warmup_trials: 3 }',
      'trials:',
      '  - { id: 1, params: { x: 0.1 }, status: completed, value: 0.05 }',
      '  - { id: 2, params: { x: 0.2 }, status: completed, value: 0.1 }',
      '  - { id: 3, params: { x: 0.3 }, status: completed, value: 0.15 }',
      extraTrials || '  - { id: 4, params: { x: 0.9 }, status: pending }',
      '',
    ].join('\n'),
  );
  return vscode.Uri.file(file);
}

const nodeCommand = (script: string) => `[${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}]`;

async function listed(hyperbo: HyperboApi, uri: vscode.Uri): Promise<void> {
  await waitFor(`the server to index ${uri.fsPath}`, async () => {
    const list = await hyperbo.ctx.server.request0(ListExperimentsRequest.type);
    return list.some((e) => vscode.Uri.parse(e.uri).fsPath === uri.fsPath);
  }, 30_000, 250);
}

function trialsIn(text: string): Trial[] {
  const parsed = parseExperiment(text);
  assert.ok(parsed.ok && parsed.experiment, JSON.stringify(parsed.diagnostics.slice(0, 3)));
  return parsed.experiment.trials;
}

const logLines = (name: string, id: number) => {
  const file = join(workspaceFolder().uri.fsPath, 'runs', `${name}-${id}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length : 0;
};

/** The tree's item for the trial (the experiments view as the user sees it). */
async function treeItem(hyperbo: HyperboApi, uri: vscode.Uri, trialId: number): Promise<vscode.TreeItem | undefined> {
  hyperbo.ctx.tree.refresh();
  const roots = await hyperbo.ctx.tree.getChildren();
  const node = roots.find((n) => n.kind === 'experiment' && vscode.Uri.parse(n.uri).fsPath === uri.fsPath);
  if (!node) return undefined;
  const trial = (await hyperbo.ctx.tree.getChildren(node)).find((c) => c.kind === 'trial' && c.trial.id === trialId);
  return trial && hyperbo.ctx.tree.getTreeItem(trial);
}

describe('HyperBO run.stopping in the editor', function () {
  this.timeout(120_000);

  it('Run Trial: a run worse than the median is stopped early and recorded as stopped with its step and reason', async () => {
    const hyperbo = await api();
    const name = 'stop-rule';
    const uri = writeExperiment(name, nodeCommand(badScript));
    await listed(hyperbo, uri);
    assert.equal(await vscode.commands.executeCommand('hyperbo.runTrial', uri.toString(), 4), 'started');
    const ended = await hyperbo.ctx.runner.whenEnded(uri.toString(), 4);
    assert.equal(ended?.status, 'stopped', JSON.stringify(ended));
    // The process was stopped: its log is shorter than a full run's (the runner captured its output until it died).
    const lines = logLines(name, 4);
    assert.ok(lines >= 3 && lines < FULL_STEPS, `the stopped run logged ${lines} of ${FULL_STEPS} steps`);

    const onDisk = trialsIn(readFileSync(uri.fsPath, 'utf8')).find((t) => t.id === 4)!;
    assert.equal(onDisk.status, 'stopped');
    assert.ok(onDisk.step !== undefined && onDisk.step >= 3 && onDisk.step <= lines, `stopped at step ${onDisk.step}, the log has ${lines}`);
    assert.equal(onDisk.value, 5);
    assert.match(onDisk.reason ?? '', new RegExp(`^stopped at step ${onDisk.step}: 5 is above the median [0-9.]+ of 3 completed trials at that step$`));
    assert.equal(onDisk.pid, undefined, 'the pid is cleared when the run ends');
    assert.ok(onDisk.finished, 'finished is recorded');
    // VS Code shows what was written.
    const document = await vscode.workspace.openTextDocument(uri);
    assert.deepEqual(trialsIn(document.getText()).find((t) => t.id === 4), onDisk);

    // The server, the tree and the status bar's view of the run.
    const history = await hyperbo.ctx.server.request(TrialHistoryRequest.type, { uri: uri.toString() });
    const four = history.trials.find((t) => t.id === 4)!;
    assert.deepEqual([four.status, four.step, four.value, four.stop], ['stopped', onDisk.step, 5, undefined]);
    const item = await waitFor('the tree to show the stopped trial', async () => {
      const i = await treeItem(hyperbo, uri, 4);
      return i && /stopped · step/.test(String(i.description)) ? i : undefined;
    });
    assert.match(String(item.description), new RegExp(`loss 5 · stopped · step ${onDisk.step}$`));
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'debug-stop');
    assert.match(String(item.tooltip), /stopped at step \d+: 5 is above the median/);
    assert.equal(item.contextValue, 'trial:stopped');
    assert.equal(hyperbo.ctx.runner.state(uri.toString(), 4), undefined);
  });

  it('with the experiment open and unsaved in the editor, the stop goes into the document as an edit and keeps the user\'s text', async () => {
    const hyperbo = await api();
    const name = 'stop-rule-dirty';
    const uri = writeExperiment(name, nodeCommand(badScript));
    await listed(hyperbo, uri);
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# the user is typing\n'));
    assert.equal(editor.document.isDirty, true);
    assert.equal(await vscode.commands.executeCommand('hyperbo.runTrial', uri.toString(), 4), 'started');
    const ended = await hyperbo.ctx.runner.whenEnded(uri.toString(), 4);
    assert.equal(ended?.status, 'stopped', JSON.stringify(ended));
    const text = editor.document.getText();
    assert.ok(text.startsWith('# the user is typing\n'), 'the user\'s unsaved edit is kept');
    assert.equal(editor.document.isDirty, true, 'nothing was saved behind the user\'s back');
    const four = trialsIn(text).find((t) => t.id === 4)!;
    assert.equal(four.status, 'stopped');
    assert.match(four.reason ?? '', new RegExp(`^stopped at step ${four.step}: 5 is above the median`));
    assert.ok(logLines(name, 4) < FULL_STEPS);
    // The file on disk is as the user last saved it (pending); the document is what the user will save.
    assert.equal(trialsIn(readFileSync(uri.fsPath, 'utf8')).find((t) => t.id === 4)!.status, 'pending');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
