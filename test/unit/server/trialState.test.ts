// A trial's state from its log in the server (service/trials.ts deriveTrial + service/logWatcher.ts, by session/outcome.ts): the value is
// the exact reduction tune records, and a log from another run never shows as this trial's. Then the TrialState unit
// without a connection, on a temp workspace with real logs: trials refined and reported, run plans, ended runs'
// outcomes, run.stopping's orders and polling.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Trial } from '../../../src/formats/experiment';
import { LogWatcher } from '../../../src/server/service/logWatcher';
import { deriveTrial } from '../../../src/server/service/trials';
import { UserError } from '../../../src/server/service/errors';
import { parseExperimentFile } from '../../../src/server/service/experimentAdapter';
import { DEFAULT_SETTINGS, type ServerSettings } from '../../../src/server/service/settings';
import { TrialState } from '../../../src/server/service/trialState';
import { WorkspaceIndex } from '../../../src/server/service/workspaceIndex';
import { removeFolder, tempFolder } from './fixtures';

/** The objective the logs are read for (a LogObjective: the experiment's objective). */
const objective = { metric: 'valid/error_rate', reduce: 'min' } as const;
const trial = (status: Trial['status'], started?: string): Trial => ({ id: 1, params: { lr: 0.1 }, status, ...(started ? { started } : {}) }) as Trial;

describe('server trial state from its log', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-trial-state-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a 3,000-point curve: the value is its exact minimum, not the minimum of the thinned curve', async () => {
    // The minimum sits at one odd step, which thinning drops; the thinned curve's minimum was 0.5.
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ step: i, 'valid/error_rate': i === 1237 ? 0.01 : 0.5 }));
    const log = path.join(dir, 'metrics.jsonl');
    writeFileSync(log, lines.join('\n') + '\n{"done": 1}\n');
    const watcher = new LogWatcher();
    await watcher.read(log, objective);
    const state = watcher.state(log, objective)!;
    assert.ok(state.curve.every((p) => p.value === 0.5), 'the thinned curve lost the minimum');
    const derived = deriveTrial(trial('running', new Date(Date.now() - 60_000).toISOString()), state);
    assert.equal(derived.status, 'completed');
    assert.equal(derived.value, 0.01);
    assert.equal(deriveTrial(trial('completed'), state).value, 0.01);
  });

  it('a pending trial never takes a log at its path; a started one only a log written after it started', async () => {
    const log = path.join(dir, 'metrics.jsonl');
    writeFileSync(log, '{"step": 5, "valid/error_rate": 0.2}\n');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(log, old, old);
    const watcher = new LogWatcher();
    await watcher.read(log, objective);
    const state = watcher.state(log, objective)!;
    const pending = deriveTrial(trial('pending'), state);
    assert.equal(pending.status, 'pending', 'an old runs/1 log does not make a new trial 1 "running · step 5"');
    assert.equal(pending.curve, undefined);
    const rerun = deriveTrial(trial('running', new Date().toISOString()), state);
    assert.equal(rerun.status, 'running');
    assert.equal(rerun.curve, undefined, 'the previous run\'s log is not this run\'s curve');
    // Once the new run writes the log, it is this run's.
    writeFileSync(log, '{"step": 1, "valid/error_rate": 0.3}\n');
    await watcher.read(log, objective);
    const fresh = deriveTrial(trial('running', new Date(Date.now() - 5_000).toISOString()), watcher.state(log, objective)!);
    assert.deepEqual(fresh.curve, [{ step: 1, value: 0.3 }]);
  });
});

describe('server trial state: a log whose path names the run', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-trial-state-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is the run\'s whatever its mtime (a clock behind the editor\'s, a copied log); without the run id, the mtime rule holds', async () => {
    const log = path.join(dir, 'metrics.jsonl');
    writeFileSync(log, '{"step": 5, "valid/error_rate": 0.2}\n{"done": 1}\n');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(log, old, old);
    const watcher = new LogWatcher();
    await watcher.read(log, objective);
    const state = watcher.state(log, objective)!;
    const running = trial('running', new Date().toISOString());
    const byRun = deriveTrial(running, state, 'runs/1-R.jsonl', true);
    assert.equal(byRun.status, 'completed');
    assert.equal(byRun.value, 0.2);
    assert.deepEqual(byRun.curve, [{ step: 5, value: 0.2 }]);
    const byMtime = deriveTrial(running, state, 'runs/1.jsonl', false);
    assert.equal(byMtime.status, 'running');
    assert.equal(byMtime.value, undefined);
    // Even with the run id, a pending trial has not run: a log at its path is not its.
    assert.equal(deriveTrial(trial('pending'), state, 'runs/1-R.jsonl', true).status, 'pending');
  });

  it('a run that ended with no objective value fails with the reason tune gives', async () => {
    const log = path.join(dir, 'metrics.jsonl');
    writeFileSync(log, '{"step": 1, "train/loss": 0.5}\n{"done": 1}\n');
    const watcher = new LogWatcher();
    await watcher.read(log, objective);
    const derived = deriveTrial(trial('running', new Date(Date.now() - 5_000).toISOString()), watcher.state(log, objective)!, 'runs/1.jsonl');
    assert.equal(derived.status, 'failed');
    assert.match(derived.reason!, /^the log has no "valid\/error_rate" values \(it logs train\/loss, done\) in runs\/1\.jsonl$/);
  });
});

describe('server LogWatcher', () => {
  it('knows nothing of a log until its first read has finished (a trial queried meanwhile shows no empty curve)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-watch-'));
    try {
      const log = path.join(dir, 'none.jsonl');
      const watcher = new LogWatcher();
      const reading = watcher.read(log, objective);
      assert.equal(watcher.state(log, objective), undefined, 'while the first read is under way');
      await reading;
      assert.equal(watcher.state(log, objective), undefined, 'a missing log');
      writeFileSync(log, '{"valid/error_rate": 0.5}\n');
      await watcher.read(log, objective);
      assert.deepEqual(watcher.state(log, objective)!.curve, [{ step: 0, value: 0.5 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('server TrialState (no connection)', function () {
  this.timeout(60_000);
  let root: string;
  let index: WorkspaceIndex;
  let events: string[];
  let units: TrialState[];
  const started = new Date(Date.now() - 60_000).toISOString();
  const RUN = `run:
  command: [node, train.js, --lr, "\${lr}", --out, "runs/\${trial}-\${run}.jsonl"]
  log: runs/\${trial}-\${run}.jsonl
`;
  const HEAD = `name: quad
objective: { metric: score, goal: minimize, reduce: min }
search_space:
  lr: { type: float, low: 1.0e-4, high: 1, scale: log }
`;

  const experiment = async (text: string): Promise<string> => {
    const file = path.join(root, 'quad.hyperbo.yaml');
    await writeFile(file, text);
    const uri = pathToFileURL(file).toString();
    await index.reloadFromDisk(uri);
    assert.ok(index.get(uri)?.experiment, 'the experiment parsed');
    return uri;
  };
  const log = async (name: string, lines: string): Promise<string> => {
    const file = path.join(root, 'runs', name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, lines);
    return file;
  };
  const unit = (settings: ServerSettings = { ...DEFAULT_SETTINGS, logs: { pollInterval: 0 } }): TrialState => {
    const state = new TrialState({
      index,
      settings: async () => settings,
      events: {
        trialUpdated: (_uri, t) => events.push(`trial ${t.id} ${t.status}${t.value !== undefined ? ` ${t.value}` : ''}${t.stop ? ' stop' : ''}`),
        changed: () => events.push('changed'),
        log: (message) => events.push(`log: ${message}`),
      },
    });
    units.push(state);
    return state;
  };
  const trialsOf = (state: TrialState, uri: string) => state.of(index.get(uri)!);

  beforeEach(async () => {
    root = await tempFolder('trial-state');
    index = new WorkspaceIndex([root], parseExperimentFile);
    events = [];
    units = [];
  });
  afterEach(async () => {
    for (const u of units) u.dispose();
    await removeFolder(root);
  });

  it('refines the file\'s trials by their own logs and reports a trial only when its state changes after the first read', async () => {
    const uri = await experiment(HEAD + RUN + `trials:
  - { id: 1, params: { lr: 0.01 }, status: running, started: "${started}", run: R1 }
  - { id: 2, params: { lr: 0.1 }, status: pending }
`);
    const file = await log('1-R1.jsonl', '{"step": 0, "score": 0.5, "train/loss": 2}\n{"step": 1, "score": 0.3, "train/loss": 1}\n');
    const state = unit();
    assert.deepEqual(trialsOf(state, uri).map((t) => t.status), ['running', 'pending'], 'before any read the file decides');
    await state.refresh();
    const [running, pending] = trialsOf(state, uri);
    assert.deepEqual(running!.curve, [{ step: 0, value: 0.5 }, { step: 1, value: 0.3 }]);
    assert.equal(running!.log, path.join('runs', '1-R1.jsonl'));
    assert.equal(pending!.curve, undefined);
    assert.deepEqual(events, ['changed'], 'the first read of an experiment reports no single trial');
    assert.deepEqual(state.metricNames(uri), ['score', 'train/loss']);

    events = [];
    await state.refresh();
    assert.deepEqual(events, [], 'nothing changed');
    await appendFile(file, '{"step": 2, "score": 0.4}\n{"done": 1}\n');
    await state.refresh();
    assert.deepEqual(events, ['trial 1 completed 0.3', 'changed']);

    // A deleted log is forgotten: the trial is what the file says again.
    events = [];
    await rm(file);
    await state.logChanged(file, true);
    assert.equal(trialsOf(state, uri)[0]!.status, 'running');
    assert.equal(trialsOf(state, uri)[0]!.curve, undefined);
    assert.deepEqual(events, ['trial 1 running', 'changed']);
  });

  it("after an edit of the experiment file only new or edited trials' logs are read (counted), and their states are a full read's", async () => {
    const lines = (n: number, value = (i: number) => `0.${i}`) =>
      Array.from({ length: n }, (_, k) => `  - { id: ${k + 1}, params: { lr: 0.01 }, status: running, started: "${started}", run: R${k + 1}, value: ${value(k + 1)} }\n`).join('');
    const uri = await experiment(HEAD + RUN + 'trials:\n' + lines(40));
    await log('3-R3.jsonl', '{"step": 0, "score": 0.5}\n');
    const state = unit();
    await state.refresh();
    assert.equal(state.logReads, 40, 'the first read reads every log');
    // Trial 7's value changes and trial 41 is appended; trial 3's log grew meanwhile, with no file event yet.
    await log('3-R3.jsonl', '{"step": 0, "score": 0.5}\n{"step": 1, "score": 0.2}\n');
    const edited = HEAD + RUN + 'trials:\n' + lines(40, (i) => (i === 7 ? '0.77' : `0.${i}`)) +
      `  - { id: 41, params: { lr: 0.02 }, status: running, started: "${started}", run: R41 }\n`;
    index.setDocument(uri, edited, 2);
    await state.refresh(true);
    assert.equal(state.logReads, 42, 'the edit read the logs of trials 7 and 41 only');
    assert.equal(trialsOf(state, uri)[2]!.curve?.length, 1, "trial 3's log is read by the next poll, not by the edit");
    // A poll (or a file event) reads every log: the same states as a state that reads everything afresh.
    await state.refresh();
    assert.equal(state.logReads, 83);
    const fresh = unit();
    await fresh.refresh();
    assert.deepEqual(trialsOf(state, uri), trialsOf(fresh, uri));
  });

  it('a run plan: a new run gets a new run id and its own log path, attach keeps the recorded run; missing trial or command are the user\'s', async () => {
    const uri = await experiment(HEAD + RUN + `trials:
  - { id: 1, params: { lr: 0.01 }, status: running, started: "${started}", run: R1, job: "4242" }
  - { id: 2, params: { lr: 0.1 }, status: pending }
`);
    const state = unit();
    const plan = state.runPlan(uri, 2);
    assert.match(plan.run!, /^\d{8}-\d{6}-[0-9a-f]{4}$/);
    assert.deepEqual(plan.command, ['node', 'train.js', '--lr', '0.1', '--out', `runs/2-${plan.run}.jsonl`]);
    assert.equal(plan.logPath, path.join(root, 'runs', `2-${plan.run}.jsonl`));
    assert.equal(plan.cwd, root);
    assert.equal(plan.commandWritesLog, true);
    assert.equal(plan.experiment, 'quad');
    assert.notEqual(state.runPlan(uri, 2).run, plan.run, 'each run its own id');
    const attach = state.runPlan(uri, 1, true);
    assert.equal(attach.run, 'R1');
    assert.equal(attach.job, '4242');
    assert.equal(attach.logPath, path.join(root, 'runs', '1-R1.jsonl'));
    assert.throws(() => state.runPlan(uri, 9), (e: Error) => e instanceof UserError && /No trial 9 in quad\.hyperbo\.yaml/.test(e.message));
    const bare = await experiment(HEAD + 'trials:\n  - { id: 1, params: { lr: 0.01 }, status: pending }\n');
    assert.throws(() => state.runPlan(bare, 1), (e: Error) => e instanceof UserError && /has no run\.command/.test(e.message));
  });

  it('an ended run\'s outcome: its last line counts once read to the end, a diverged log overrides completed, no log fails saying where', async () => {
    const uri = await experiment(HEAD + RUN + `trials:
  - { id: 1, params: { lr: 0.01 }, status: running, started: "${started}", run: R1 }
  - { id: 2, params: { lr: 0.1 }, status: running, started: "${started}", run: R2 }
  - { id: 3, params: { lr: 0.2 }, status: running, started: "${started}", run: R3 }
`);
    // The writer exited before its last newline.
    await log('1-R1.jsonl', '{"step": 0, "score": 0.5}\n{"step": 1, "score": 0.2}');
    await log('2-R2.jsonl', '{"step": 0, "score": 1}\n{"step": 1, "score": 1e7}\n');
    const state = unit();
    await state.refresh();
    assert.deepEqual(state.outcome(uri, 1, 'completed'), { status: 'completed', value: 0.5 }, 'the unterminated line is not read yet');
    await state.readEndedLog(uri, 1);
    assert.deepEqual(state.outcome(uri, 1, 'completed'), { status: 'completed', value: 0.2 });
    await state.readEndedLog(uri, 2);
    const diverged = state.outcome(uri, 2, 'completed');
    assert.equal(diverged.status, 'diverged');
    assert.match(diverged.reason!, /score/);
    await state.readEndedLog(uri, 3);
    assert.deepEqual(state.outcome(uri, 3, 'completed'), { status: 'failed', reason: `the run ended but wrote no log at ${path.join('runs', '3-R3.jsonl')}; check run.log` });
    assert.deepEqual(state.outcome(uri, 1, 'failed'), { status: 'failed' }, 'only a completed run is judged by its log');
    await state.readEndedLog(uri, 9); // a trial the server's state does not have yet: nothing to read
    assert.throws(() => state.outcome(uri, 9, 'completed'), UserError);
  });

  it('run.stopping: a running trial above the completed trials\' median gets a stop order in its state, reported once', async () => {
    const curve = (offset: number, steps: number) =>
      Array.from({ length: steps }, (_, i) => JSON.stringify({ step: i, score: offset + 1 / (i + 1) })).join('\n') + '\n';
    const completed = [0, 0.1, 0.2].map((o, i) => `  - { id: ${i + 1}, params: { lr: 0.01 }, status: completed, value: ${o + 1 / 20}, started: "${started}", run: C${i + 1} }`);
    const uri = await experiment(HEAD + RUN + '  stopping: { rule: median, min_steps: 3, warmup_trials: 3 }\ntrials:\n' + completed.join('\n') +
      `\n  - { id: 4, params: { lr: 0.5 }, status: running, started: "${started}", run: R4 }\n`);
    for (const i of [1, 2, 3]) await log(`${i}-C${i}.jsonl`, curve((i - 1) / 10, 20));
    const running = await log('4-R4.jsonl', curve(1, 2));
    const state = unit();
    await state.refresh();
    assert.equal(trialsOf(state, uri)[3]!.stop, undefined, 'steps 0–1 are below min_steps');
    await writeFile(running, curve(1, 6));
    await state.refresh();
    const stop = trialsOf(state, uri)[3]!.stop!;
    assert.equal(stop.step, 5);
    assert.match(stop.reason, /^stopped at step 5: .* above the median/);
    assert.deepEqual(events.filter((e) => e.startsWith('trial')), ['trial 4 running stop']);
  });

  it('one polling chain however often polling is started (a configuration change starts it too)', async () => {
    let reads = 0;
    const state = new TrialState({ index, settings: async () => (reads++, { ...DEFAULT_SETTINGS, logs: { pollInterval: 60_000 } }) });
    units.push(state);
    await Promise.all([state.startPolling(), state.startPolling()]);
    await state.startPolling();
    assert.equal(reads, 1, 'the second and third calls found the first chain');
  });

  it('polls the logs every hyperbo.logs.pollInterval: no file event is needed', async () => {
    const uri = await experiment(HEAD + RUN + `trials:\n  - { id: 1, params: { lr: 0.01 }, status: running, started: "${started}", run: R1 }\n`);
    const file = await log('1-R1.jsonl', '{"step": 0, "score": 0.5}\n');
    const state = unit({ ...DEFAULT_SETTINGS, logs: { pollInterval: 10 } });
    await state.refresh();
    const updated = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (events.includes('trial 1 completed 0.25')) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    await state.startPolling();
    await appendFile(file, '{"step": 1, "score": 0.25}\n{"done": 1}\n');
    await updated;
    assert.equal(trialsOf(state, uri)[0]!.value, 0.25);
    state.dispose();
  });
});
