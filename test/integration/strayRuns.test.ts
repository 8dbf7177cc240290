// Runs that outlive their runner (issue 10): the editor's Run Trial records the run's pid and start time in the trial
// as `hyperbo tune` does, and HyperBO: Stop Stray Runs does what `hyperbo tune --stop-stray` does (src/files/
// trialProcesses.ts): a live stray's process group is stopped and the trial failed, a trial whose process ended is
// recorded from its log, one with no pid whose tune (`runner`) was killed is settled as the next tune settles it.
// Real processes in a real VS Code.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { StopStrayResult } from '../../src/client/runner/strays';
import { pidAlive } from '../../src/files/processInfo';
import { trialProcessAlive } from '../../src/files/trialProcesses';
import { parseExperiment, type Trial } from '../../src/formats/experiment';
import { experimentListed, hyperboApi, waitFor, workspaceFolder } from './helpers';

function writeExperiment(name: string, script: string, trials: string): vscode.Uri {
  const file = join(workspaceFolder().uri.fsPath, `${name}.hyperbo.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'objective: { metric: loss, goal: minimize, reduce: min }',
      'search_space:',
      '  x: { type: float, low: 0.01, high: 1, scale: log }',
      'run:',
      `  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, "\${x}"]`,
      `  log: runs/${name}-\${trial}.log`,
      '  capture: true',
      trials,
      '',
    ].join('\n'),
  );
  return vscode.Uri.file(file);
}

function trialsOnDisk(uri: vscode.Uri): Trial[] {
  const parsed = parseExperiment(readFileSync(uri.fsPath, 'utf8'));
  assert.ok(parsed.ok && parsed.experiment, JSON.stringify(parsed.diagnostics.slice(0, 3)));
  return parsed.experiment.trials;
}

describe('HyperBO stray runs', function () {
  this.timeout(120_000);

  it('Run Trial records the run\'s pid and start time while it runs (as tune does) and removes the pid when it ends', async () => {
    const hyperbo = await hyperboApi();
    const script = 'setTimeout(() => console.log(JSON.stringify({ step: 1, loss: Number(process.argv[1]) })), 2500);';
    const uri = writeExperiment('pid-record', script, 'trials:\n  - { id: 1, params: { x: 0.5 }, status: pending }');
    await experimentListed(hyperbo, uri);
    assert.equal(await hyperbo.ctx.runner.run(uri.toString(), 1), 'started');
    const running = await waitFor('the trial to record its pid', () => trialsOnDisk(uri).find((t) => t.id === 1 && t.status === 'running' && t.pid !== undefined));
    assert.ok(pidAlive(running.pid!), 'the recorded pid is the running command');
    assert.equal(trialProcessAlive(running.pid!, running.started), true, 'the recorded start time identifies the process (reconcile can tell it)');
    const ended = await hyperbo.ctx.runner.whenEnded(uri.toString(), 1);
    assert.equal(ended?.status, 'completed');
    const done = trialsOnDisk(uri).find((t) => t.id === 1)!;
    assert.deepEqual([done.status, done.value, done.pid], ['completed', 0.5, undefined]);
  });

  it('Stop Stray Runs stops a live stray\'s process group, records one whose process ended from its log, settles one whose tune died before its pid, and leaves one with no pid', async () => {
    const hyperbo = await hyperboApi();
    // Trial 1: a command still running whose runner is gone (a detached group, as the runners start them).
    const stray = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { detached: true, stdio: 'ignore' });
    stray.unref();
    const strayStarted = new Date().toISOString();
    // Trial 2: its process has exited after writing its log.
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const before = new Date(Date.now() - 10_000).toISOString();
    const root = workspaceFolder().uri.fsPath;
    mkdirSync(join(root, 'runs'), { recursive: true });
    writeFileSync(join(root, 'runs', 'strays-2.log'), `${JSON.stringify({ step: 1, loss: 0.7 })}\n${JSON.stringify({ step: 2, loss: 0.3 })}\n`);
    // Trials 4 and 5: their hyperbo tune (runner) was killed before it wrote the command's pid; 4's log is complete.
    writeFileSync(join(root, 'runs', 'strays-4.log'), `${JSON.stringify({ step: 1, loss: 0.4 })}\n`);
    const deadTune = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    // Trial 6: its tune is alive (still starting it): left alone.
    const liveTune = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { detached: true, stdio: 'ignore' });
    liveTune.unref();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const liveTuneStarted = new Date().toISOString();
    const uri = writeExperiment(
      'strays',
      'console.log(1)',
      [
        'trials:',
        `  - { id: 1, params: { x: 0.5 }, status: running, started: "${strayStarted}", pid: ${stray.pid} }`,
        `  - { id: 2, params: { x: 0.25 }, status: running, started: "${before}", pid: ${dead} }`,
        `  - { id: 3, params: { x: 0.125 }, status: running, started: "${before}" }`,
        `  - { id: 4, params: { x: 0.5 }, status: running, started: "${before}", runner: ${deadTune} }`,
        `  - { id: 5, params: { x: 0.75 }, status: running, started: "${before}", runner: ${deadTune} }`,
        `  - { id: 6, params: { x: 0.875 }, status: running, started: "${liveTuneStarted}", runner: ${liveTune.pid} }`,
      ].join('\n'),
    );
    try {
      await experimentListed(hyperbo, uri);
      const strays = await hyperbo.ctx.strays.find([uri.toString()]);
      assert.deepEqual(strays.map((s) => [s.trial.id, s.alive]), [[1, true], [2, false], [4, false], [5, false]]);
      const result = (await vscode.commands.executeCommand('hyperbo.stopStrayRuns', { uri: uri.toString(), confirmed: true })) as StopStrayResult;
      assert.deepEqual(result.stopped.map((s) => [s.trialId, s.pid]), [[1, stray.pid]]);
      assert.deepEqual(result.recorded.map((r) => [r.trialId, r.status]), [[2, 'completed'], [4, 'completed'], [5, 'failed']]);
      await waitFor('the stray process group to be gone', () => !pidAlive(stray.pid!), 10_000);
      const trials = trialsOnDisk(uri);
      const one = trials.find((t) => t.id === 1)!;
      assert.equal(one.status, 'failed');
      assert.match(one.reason ?? '', new RegExp(`stopped as a stray run \\(pid ${stray.pid}\\) by HyperBO: Stop Stray Runs`));
      assert.equal(one.pid, undefined);
      const two = trials.find((t) => t.id === 2)!;
      assert.deepEqual([two.status, two.value, two.pid], ['completed', 0.3, undefined]);
      assert.equal(trials.find((t) => t.id === 3)!.status, 'running', 'a trial with no pid is left as is');
      // As the next hyperbo tune settles them: the log decides, else failed naming the killed tune; runner is cleared.
      const four = trials.find((t) => t.id === 4)!;
      assert.deepEqual([four.status, four.value, four.runner], ['completed', 0.4, undefined]);
      const five = trials.find((t) => t.id === 5)!;
      assert.deepEqual([five.status, five.runner], ['failed', undefined]);
      assert.match(five.reason ?? '', new RegExp(`^the hyperbo tune that started it \\(pid ${deadTune}\\) ended before recording its command's process; `));
      const six = trials.find((t) => t.id === 6)!;
      assert.deepEqual([six.status, six.runner], ['running', liveTune.pid], 'a live tune\'s trial is left as is');
      // Nothing is left to stop.
      const again = (await vscode.commands.executeCommand('hyperbo.stopStrayRuns', { uri: uri.toString(), confirmed: true })) as StopStrayResult;
      assert.deepEqual([again.stopped, again.recorded], [[], []]);
    } finally {
      process.kill(-liveTune.pid!, 'SIGKILL');
    }
  });
});
