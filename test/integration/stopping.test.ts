// run.stopping in a real VS Code: the server tails the running trial's log, finds it worse than the median of the
// completed trials at a step, and orders it stopped; the window that runs it (Run Trial) stops its process and records
// the trial as `stopped` with the step, the value there and the reason. A run another session started (recorded with
// its pid) is left to that session while it lives, and offered for stopping once it is gone (runner/ruleStops.ts).
// Real processes, real logs.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { HyperboApi } from '../../src/extension';
import type { StopStrayResult } from '../../src/client/runner/strays';
import { parentPidOf, pidAlive } from '../../src/files/processInfo';
import { parseExperiment, type Trial } from '../../src/formats/experiment';
import { TrialHistoryRequest } from '../../src/shared/protocol';
import { experimentListed, hyperboApi, waitFor, workspaceFolder } from './helpers';

/** Steps the bad run would log if nothing stopped it (one every 300 ms). */
const FULL_STEPS = 100;
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

/** The bad run as another session would have left it: it writes its own log (runs/<name>-<id>.log). */
const selfLoggingBad = (log: string) =>
  `const fs = require('fs'); let i = 0; const t = setInterval(() => { i++; fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ step: i, loss: 5 }) + '\\n'); if (i === ${FULL_STEPS}) clearInterval(t); }, 300);`;

/** Starts the script as its own process group whose parent exits at once (re-parented to init: its runner is gone). */
function startOrphan(script: string): number {
  const launcher = `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(script)}], { detached: true, stdio: 'ignore' }); process.stdout.write(String(c.pid)); c.unref();`;
  return Number(spawnSync(process.execPath, ['-e', launcher], { encoding: 'utf8' }).stdout);
}

describe('HyperBO run.stopping in the editor', function () {
  this.timeout(120_000);

  it('Run Trial: a run worse than the median is stopped early and recorded as stopped with its step and reason', async () => {
    const hyperbo = await hyperboApi();
    const name = 'stop-rule';
    const uri = writeExperiment(name, nodeCommand(badScript));
    await experimentListed(hyperbo, uri);
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
    const hyperbo = await hyperboApi();
    const name = 'stop-rule-dirty';
    const uri = writeExperiment(name, nodeCommand(badScript));
    await experimentListed(hyperbo, uri);
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

  it('a run another session started is left to it while it lives; once its runner is gone, Stop stops it and records it as stopped', async () => {
    const hyperbo = await hyperboApi();
    const name = 'stop-foreign';
    const root = workspaceFolder().uri.fsPath;
    const logOf = (id: number) => join(root, 'runs', `${name}-${id}.log`);
    mkdirSync(join(root, 'runs'), { recursive: true });
    // Trial 4: its runner lives (this extension host stands for hyperbo tune or another window).
    const owned = spawn(process.execPath, ['-e', selfLoggingBad(logOf(4))], { detached: true, stdio: 'ignore' });
    const ownedStarted = new Date().toISOString();
    // Trial 5: its runner was killed; the run goes on.
    const orphan = startOrphan(selfLoggingBad(logOf(5)));
    const orphanStarted = new Date().toISOString();
    try {
      assert.equal(parentPidOf(orphan), 1, 'the orphan was re-parented to init');
      const uri = writeExperiment(
        name,
        nodeCommand('console.log(1)'),
        [
          `  - { id: 4, params: { x: 0.8 }, status: running, started: "${ownedStarted}", pid: ${owned.pid} }`,
          `  - { id: 5, params: { x: 0.9 }, status: running, started: "${orphanStarted}", pid: ${orphan} }`,
        ].join('\n'),
      );
      await experimentListed(hyperbo, uri);
      const key = uri.toString();
      const decided = await waitFor('the window to decide about both runs', () => {
        const d = hyperbo.ctx.ruleStops.decisions(key);
        return d.length === 2 ? d : undefined;
      }, 30_000, 200);
      assert.deepEqual(decided.map((d) => [d.trialId, d.pid, d.state]).sort(), [[4, owned.pid, 'runner'], [5, orphan, 'offered']]);
      assert.ok(pidAlive(owned.pid!), 'a run whose runner lives is not signalled from this window');
      const offered = decided.find((d) => d.trialId === 5)!;
      assert.match(offered.order.reason, /^stopped at step \d+: 5 is above the median/);
      // The tree says the rule has ordered it stopped while it still runs.
      const item = await treeItem(hyperbo, uri, 5);
      assert.match(String(item?.description), /running · worse than the median at step \d+$/);

      // The notification's Stop.
      assert.equal(await hyperbo.ctx.ruleStops.stop(key, 5), true);
      await waitFor('the orphan to be gone', () => !pidAlive(orphan), 10_000);
      const five = trialsIn(readFileSync(uri.fsPath, 'utf8')).find((t) => t.id === 5)!;
      assert.deepEqual([five.status, five.step, five.value, five.reason, five.pid], ['stopped', offered.order.step, 5, offered.order.reason, undefined]);
      assert.ok(logLines(name, 5) < FULL_STEPS, 'stopped before the end of its curve');
      assert.equal(await hyperbo.ctx.ruleStops.stop(key, 5), false, 'nothing is left to stop');
      assert.equal(await hyperbo.ctx.ruleStops.stop(key, 4), false, 'a run whose runner lives is never stopped from here');
      assert.ok(pidAlive(owned.pid!));
      assert.equal(trialsIn(readFileSync(uri.fsPath, 'utf8')).find((t) => t.id === 4)!.status, 'running');
      // The user may still stop it as a stray (after a confirmation listing it): with the rule's order it is recorded
      // as stopped with the step and reason, not as failed.
      const order = (await hyperbo.ctx.server.request(TrialHistoryRequest.type, { uri: key })).trials.find((t) => t.id === 4)!.stop;
      assert.ok(order, 'the rule ordered trial 4 stopped too');
      const strays = (await vscode.commands.executeCommand('hyperbo.stopStrayRuns', { uri: key, confirmed: true })) as StopStrayResult;
      assert.deepEqual(strays.stopped.map((r) => [r.trialId, r.status]), [[4, 'stopped']]);
      const four = trialsIn(readFileSync(uri.fsPath, 'utf8')).find((t) => t.id === 4)!;
      assert.deepEqual([four.status, four.step, four.value, four.reason, four.pid], ['stopped', order.step, 5, order.reason, undefined]);
      await waitFor('trial 4\'s process to be gone', () => !pidAlive(owned.pid!), 10_000);
    } finally {
      for (const pid of [owned.pid, orphan]) {
        try {
          if (pid) process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await vscode.commands.executeCommand('notifications.clearAll');
    }
  });
});
