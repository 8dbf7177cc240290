// The real language server: a trial's log belongs to one run. With `${run}` in run.log every run plan has a new
// run id and a log path of its own, the trial records the id when it starts, and a log an earlier run left is never
// this run's; re-attaching to a recorded job gets the recorded run's path. Without `${run}`, the log's mtime decides.
import * as assert from 'node:assert/strict';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ListExperimentsRequest, RunPlanRequest, TrialHistoryRequest, UpdateTrialEditRequest } from '../../src/shared/protocol';
import { applyLspEdits, removeWorkspace, startTestServer, tempWorkspace, uriOf, type TestServer } from './harness';

const FAST = { pretrain: { steps: 15 }, logs: { pollInterval: 100 } };

const experiment = (log: string, trial: string) =>
  [
    'name: owned',
    'objective: { metric: loss, goal: minimize, reduce: min }',
    'search_space:',
    '  lr: { type: float, low: 1.0e-4, high: 1, scale: log }',
    'run:',
    '  command: [python, train.py, --lr, "${lr}", --out, "' + path.dirname(log) + '"]',
    `  log: ${log}`,
    'trials:',
    trial,
    '',
  ].join('\n');

describe('server: a trial\'s log belongs to its run', function () {
  this.timeout(60_000);
  let root: string;
  let file: string;
  let server: TestServer | undefined;

  beforeEach(async () => {
    root = await tempWorkspace();
    file = path.join(root, 'owned.hyperbo.yaml');
  });
  afterEach(async () => {
    await server?.dispose();
    server = undefined;
    await removeWorkspace(root);
  });

  const history = async () => (await server!.client.sendRequest(TrialHistoryRequest.type, { uri: uriOf(file) })).trials;
  const untilTrial = async (pred: (t: Awaited<ReturnType<typeof history>>[number]) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const t = (await history())[0]!;
      if (pred(t)) return t;
      await new Promise((r) => setTimeout(r, 100));
    }
    return (await history())[0]!;
  };

  it('${run}: each run plan has a new run id and its own log; the trial records it; an earlier run\'s log is not read', async () => {
    // Trial 1 ran before (run R1) and completed from runs/1-R1.jsonl; it is being run again.
    await writeFile(file, experiment('runs/${trial}-${run}.jsonl', '  - { id: 1, params: { lr: 0.01 }, status: completed, value: 0.3, run: R1 }'));
    await mkdir(path.join(root, 'runs'), { recursive: true });
    await writeFile(path.join(root, 'runs', '1-R1.jsonl'), '{"step": 1, "loss": 0.3}\n{"done": 1}\n');
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);

    const first = await server.client.sendRequest(RunPlanRequest.type, { uri, trialId: 1 });
    const second = await server.client.sendRequest(RunPlanRequest.type, { uri, trialId: 1 });
    assert.match(first.run ?? '', /^\d{8}-\d{6}-[0-9a-f]{4}$/);
    assert.notEqual(first.run, second.run);
    assert.equal(first.logPath, path.join(root, 'runs', `1-${first.run}.jsonl`));
    assert.deepEqual(first.command.slice(-2), ['--out', 'runs']);

    // The runner records the start with the plan's run id (as trialRunner does).
    const text = await readFile(file, 'utf8');
    const update = await server.client.sendRequest(UpdateTrialEditRequest.type, { uri, trialId: 1, status: 'running', started: new Date().toISOString(), run: first.run });
    const started = applyLspEdits(text, update.edits);
    assert.match(started, new RegExp(`run: "?${first.run}"?`));
    await writeFile(file, started);
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 2 }] });
    const running = await untilTrial((t) => t.status === 'running');
    assert.equal(running.status, 'running', 'the earlier run\'s finished log does not complete the new run');
    assert.equal(running.value, undefined);
    assert.equal(running.curve, undefined);
    assert.equal(running.log, `runs/1-${first.run}.jsonl`);

    // The new run's log, even with an mtime before the start (another machine's clock), is this run's.
    await writeFile(first.logPath, '{"step": 1, "loss": 0.2}\n{"step": 2, "loss": 0.1}\n{"done": 1}\n');
    const past = new Date(Date.now() - 3600_000);
    await utimes(first.logPath, past, past);
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(first.logPath), type: 1 }] });
    const done = await untilTrial((t) => t.status === 'completed');
    assert.equal(done.status, 'completed');
    assert.equal(done.value, 0.1);
    const summary = (await server.client.sendRequest(ListExperimentsRequest.type))[0]!;
    assert.equal(summary.best?.value, 0.1);

    // Re-attaching to the trial's run (a recorded job) plans that run, not a new one.
    const attach = await server.client.sendRequest(RunPlanRequest.type, { uri, trialId: 1, attach: true });
    assert.equal(attach.run, first.run);
    assert.equal(attach.logPath, first.logPath);
  });

  it('without ${run}: a started trial ignores a log older than its start and takes one written after it', async () => {
    const startedAt = new Date().toISOString();
    await writeFile(file, experiment('runs/${trial}.jsonl', `  - { id: 1, params: { lr: 0.01 }, status: running, started: "${startedAt}" }`));
    await mkdir(path.join(root, 'runs'), { recursive: true });
    const log = path.join(root, 'runs', '1.jsonl');
    await writeFile(log, '{"step": 1, "loss": 0.3}\n{"done": 1}\n');
    const past = new Date(Date.now() - 3600_000);
    await utimes(log, past, past);
    server = await startTestServer(root, FAST);
    const stale = (await history())[0]!;
    assert.equal(stale.status, 'running');
    assert.equal(stale.value, undefined);
    const plan = await server.client.sendRequest(RunPlanRequest.type, { uri: uriOf(file), trialId: 1 });
    assert.equal(plan.logPath, log, 'no ${run}: the same path for every run');
    await writeFile(log, '{"step": 1, "loss": 0.25}\n{"done": 1}\n');
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(log), type: 2 }] });
    const done = await untilTrial((t) => t.status === 'completed');
    assert.equal(done.value, 0.25);
  });
});
