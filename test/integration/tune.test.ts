// HyperBO: Tune in a real VS Code: suggest → apply → run → record, N times, within the budget, at most run.parallel at
// once, stopping after failures in a row, and cancellable without losing the running trial's result.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { tuneSession, type TuneResult } from '../../src/client/commands/tune';
import { TrialHistoryRequest } from '../../src/shared/protocol';
import type { TrialDTO } from '../../src/shared/dto';
import { experimentListed, hyperboApi, waitFor, workspaceFolder } from './helpers';

/** A one-parameter experiment whose command logs `loss` = x after `delayMs` (node one-liner). */
function writeExperiment(name: string, options: { script?: string; delayMs?: number; budget?: number; parallel?: number; trials?: string; run?: boolean } = {}): vscode.Uri {
  const file = join(workspaceFolder().uri.fsPath, `${name}.hyperbo.yaml`);
  const script =
    options.script ?? `const x = Number(process.argv[1]); setTimeout(() => console.log(JSON.stringify({ step: 1, loss: x })), ${options.delayMs ?? 0});`;
  const text = [
    `name: ${name}`,
    'objective: { metric: loss, goal: minimize, reduce: min }',
    'search_space:',
    '  x: { type: float, low: 0.01, high: 1, scale: log }',
    ...(options.budget !== undefined ? [`budget: ${options.budget}`] : []),
    ...(options.run === false
      ? []
      : [
          'run:',
          `  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, "\${x}"]`,
          `  log: runs/${name}-\${trial}.log`,
          '  capture: true',
          `  parallel: ${options.parallel ?? 1}`,
        ]),
    options.trials ?? 'trials: []',
    '',
  ].join('\n');
  writeFileSync(file, text);
  return vscode.Uri.file(file);
}

async function trialsOf(uri: vscode.Uri): Promise<TrialDTO[]> {
  const hyperbo = await hyperboApi();
  return (await hyperbo.ctx.server.request(TrialHistoryRequest.type, { uri: uri.toString() })).trials;
}

const progress = { report: () => undefined };

describe('HyperBO: Tune', function () {
  this.timeout(120_000);

  it('runs N trials one after another, each suggested once the previous result is in the file', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('tune-check', { budget: 10 });
    await experimentListed(hyperbo, uri);
    const result = (await vscode.commands.executeCommand('hyperbo.tune', uri.toString(), 3)) as TuneResult;
    assert.deepEqual(result.trials, [1, 2, 3]);
    assert.equal(result.completed, 3);
    assert.equal(result.failed, 0);
    assert.equal(result.cancelled, false);
    assert.deepEqual(result.stillRunning, []);
    const trials = await trialsOf(uri);
    assert.deepEqual(trials.map((t) => t.status), ['completed', 'completed', 'completed']);
    for (const t of trials) assert.equal(t.value, t.params.x, `trial ${t.id}'s value comes from its log`);
    // parallel: 1 — each trial starts after the one before it finished, so its suggestion saw that result.
    for (let i = 1; i < trials.length; i++) {
      assert.ok(Date.parse(trials[i]!.started!) >= Date.parse(trials[i - 1]!.finished!), `trial ${i + 1} started after trial ${i} finished`);
    }
    assert.equal(new Set(trials.map((t) => t.params.x)).size, 3, 'three different configurations');
    const best = trials.reduce((a, b) => (b.value! < a.value! ? b : a));
    assert.deepEqual(result.best && { id: result.best.trialId, value: result.best.value }, { id: best.id, value: best.value });
    assert.match(readFileSync(uri.fsPath, 'utf8'), /finished: /, 'the results are written to the file on disk');
  });

  it('never runs past the budget, and says so once it is used up', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('tune-budget', {
      budget: 4,
      trials: 'trials:\n  - { id: 1, params: { x: 0.5 }, status: completed, value: 0.5 }\n  - { id: 2, params: { x: 0.2 }, status: completed, value: 0.2 }',
    });
    await experimentListed(hyperbo, uri);
    const result = (await vscode.commands.executeCommand('hyperbo.tune', uri.toString(), 10)) as TuneResult;
    assert.deepEqual(result.trials, [3, 4], 'two left in the budget of 4');
    await waitFor('the server to see four trials', async () => (await experimentListed(hyperbo, uri)).trials.total === 4);
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('hyperbo.tune', uri.toString(), 1)),
      /The budget of 4 trials is used up \(4 recorded\); raise budget: in .*tune-budget\.hyperbo\.yaml to run more\./,
    );
  });

  it('stops after three failed trials in a row and says why', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('tune-failing', { script: 'console.error("CUDA out of memory"); process.exit(2);', budget: 10 });
    await experimentListed(hyperbo, uri);
    const result = (await vscode.commands.executeCommand('hyperbo.tune', uri.toString(), 6)) as TuneResult;
    assert.deepEqual(result.trials, [1, 2, 3]);
    assert.equal(result.failed, 3);
    assert.match(result.stoppedBy ?? '', /exited with code 2\. Last output: CUDA out of memory/);
    assert.deepEqual((await trialsOf(uri)).map((t) => t.status), ['failed', 'failed', 'failed']);
  });

  it('with run.parallel: 2 keeps two trials running at once', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('tune-parallel', { delayMs: 1500, parallel: 2, budget: 10 });
    await experimentListed(hyperbo, uri);
    const running = new Set<number>();
    let most = 0;
    const listener = hyperbo.ctx.runner.onDidChange((e) => {
      if (e.state === 'running') running.add(e.trialId);
      if (e.state === 'ended') running.delete(e.trialId);
      most = Math.max(most, running.size);
    });
    try {
      const result = (await vscode.commands.executeCommand('hyperbo.tune', uri.toString(), 4)) as TuneResult;
      assert.equal(result.completed, 4);
    } finally {
      listener.dispose();
    }
    assert.equal(most, 2, 'two at once, never more');
    const trials = await trialsOf(uri);
    assert.ok(Date.parse(trials[1]!.started!) < Date.parse(trials[0]!.finished!), 'trial 2 started while trial 1 ran');
  });

  it('cancelling stops launching new trials; the running one goes on and its result is recorded', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('tune-cancel', { delayMs: 2500, budget: 10 });
    await experimentListed(hyperbo, uri);
    const key = uri.toString();
    const source = new vscode.CancellationTokenSource();
    const session = tuneSession(hyperbo.ctx, key, 5, progress, source.token);
    await waitFor('trial 1 to be running', () => hyperbo.ctx.runner.state(key, 1) === 'running');
    source.cancel();
    const result = await session;
    assert.equal(result.cancelled, true);
    assert.deepEqual(result.trials, [1]);
    assert.deepEqual(result.stillRunning, [1]);
    const ended = await hyperbo.ctx.runner.whenEnded(key, 1);
    assert.equal(ended?.status, 'completed');
    const trials = await trialsOf(uri);
    assert.deepEqual(trials.map((t) => `${t.id}:${t.status}`), ['1:completed'], 'no trial was added after the cancel');
  });

  it('a second Tune of the same experiment while the first runs is refused', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('tune-twice', { delayMs: 1500, budget: 10 });
    await experimentListed(hyperbo, uri);
    const key = uri.toString();
    const first = Promise.resolve(vscode.commands.executeCommand('hyperbo.tune', key, 1)) as Promise<TuneResult>;
    await waitFor('trial 1 to be running', () => hyperbo.ctx.runner.state(key, 1) === 'running');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('hyperbo.tune', key, 1)), /tune-twice is already being tuned in this window/);
    assert.deepEqual((await first).trials, [1]);
    assert.deepEqual((await trialsOf(uri)).map((t) => `${t.id}:${t.status}`), ['1:completed']);
  });

  it('an experiment without run.command gets a clear error, and nothing is added', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('tune-norun', { run: false });
    await experimentListed(hyperbo, uri);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('hyperbo.tune', uri.toString(), 2)), /has no run\.command, so trials cannot be launched/);
    assert.deepEqual(await trialsOf(uri), []);
  });
});
