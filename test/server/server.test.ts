// The real language server in-process over streams, against a temp workspace on disk.
import * as assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createRng, HaltonSequence } from '../../src/engine';
import type { ExperimentSummary, ProvenanceResult, SuggestResult, TrialHistoryResult } from '../../src/shared/dto';
import {
  AddTrialEditRequest,
  ListExperimentsRequest,
  PosteriorRequest,
  PretrainRequest,
  ProvenanceRequest,
  RunPlanRequest,
  SuggestRequest,
  TrialHistoryRequest,
  TrialUpdatedNotification,
  UpdateTrialEditRequest,
} from '../../src/shared/protocol';
import { applyLspEdits, removeWorkspace, settledCodeLenses, startTestServer, tempWorkspace, uriOf, type TestServer } from './harness';

const FAST = { pretrain: { steps: 15 }, logs: { pollInterval: 100 } };


function experimentText(options: { trials?: string } = {}): string {
  return [
    'name: quadratic',
    'objective: { metric: valid/loss, goal: minimize, reduce: min }',
    'search_space:',
    '  learning_rate: { type: float, low: 1.0e-4, high: 1, scale: log }',
    '  momentum: { type: float, low: 0, high: 0.99 }',
    'acquisition: { type: ucb, beta: 3 }',
    'run:',
    '  command: [python, train.py, --lr, "${learning_rate}", --momentum, "${momentum}", --out, "runs/${trial}"]',
    '  log: runs/${trial}/metrics.jsonl',
    'trials:',
    options.trials ??
      [
        '  - { id: 1, params: { learning_rate: 0.1, momentum: 0.5 }, status: completed, value: 0.9 }',
        '  - { id: 2, params: { learning_rate: 0.01, momentum: 0.9 }, status: completed, value: 0.35 }',
        '  - { id: 3, params: { learning_rate: 0.001, momentum: 0.2 }, status: completed, value: 0.52 }',
        '  - { id: 4, params: { learning_rate: 0.003, momentum: 0.7 }, status: running }',
      ].join('\n'),
    '',
  ].join('\n');
}

/** A PD1-style experiment (the PD1 search space and metric names). */
function pd1Experiment(prior: string): string {
  return [
    'name: pd1-like',
    'objective: { metric: valid/error_rate, goal: minimize }',
    'search_space:',
    '  learning_rate: { type: float, low: 1.0e-5, high: 10, scale: log }',
    '  one_minus_momentum: { type: float, low: 1.0e-3, high: 1, scale: log }',
    '  lr_decay_power: { type: float, low: 0.1, high: 2.0 }',
    '  lr_decay_steps_factor: { type: float, low: 0.01, high: 0.99 }',
    prior,
    'trials:',
    '  - { id: 1, params: { learning_rate: 0.1, one_minus_momentum: 0.1, lr_decay_power: 1, lr_decay_steps_factor: 0.5 }, status: completed, value: 0.3 }',
    '  - { id: 2, params: { learning_rate: 0.01, one_minus_momentum: 0.05, lr_decay_power: 0.5, lr_decay_steps_factor: 0.9 }, status: completed, value: 0.22 }',
    '  - { id: 3, params: { learning_rate: 1, one_minus_momentum: 0.5, lr_decay_power: 1.5, lr_decay_steps_factor: 0.2 }, status: completed, value: 0.6 }',
    '',
  ].join('\n');
}

/** A small PD1 JSONL: 3 related tasks on a shared Halton set of 12 configurations, PD1 column names. */
function pd1Rows(count = 12): string {
  const halton = new HaltonSequence(4, createRng(3));
  const grid = halton.take(count);
  const points = Array.from({ length: count }, (_, i) => grid.subarray(i * 4, i * 4 + 4));
  const rows: string[] = [];
  for (const [t, shift] of [0, 0.3, -0.4].entries()) {
    for (const u of points) {
      const lr = 10 ** (-5 + 6 * u[0]!);
      const momentum = 1 - 10 ** (-3 + 3 * u[1]!);
      const error = Math.min(0.95, 0.15 + 0.05 * (Math.log10(lr) + 1.5 + shift) ** 2 + 0.1 * u[2]! + 0.05 * u[3]!);
      rows.push(
        JSON.stringify({
          dataset: `task${t}`,
          model: 'mlp',
          'hps.batch_size': 64,
          'hps.lr_hparams.initial_value': lr,
          'hps.opt_hparams.momentum': momentum,
          'hps.lr_hparams.power': 0.1 + 1.9 * u[2]!,
          'hps.lr_hparams.decay_steps_factor': 0.01 + 0.98 * u[3]!,
          'best_valid/error_rate': error,
        }),
      );
    }
  }
  return rows.join('\n') + '\n';
}

const PD1_PRIOR = 'prior:\n  from: [../data/*.jsonl.gz]\n  metric: best_valid/error_rate\n  objective: nll';

describe('language server over streams', function () {
  this.timeout(120_000);
  let root: string;
  let server: TestServer | undefined;
  let file: string;

  beforeEach(async () => {
    root = await tempWorkspace();
    file = path.join(root, 'tune', 'quad.hyperbo.yaml');
    await mkdir(path.dirname(file), { recursive: true });
  });
  afterEach(async () => {
    await server?.dispose();
    server = undefined;
    await removeWorkspace(root);
  });

  it('indexes the workspace, publishes diagnostics, and survives a broken file', async () => {
    await writeFile(file, experimentText());
    server = await startTestServer(root, FAST);
    const list = await server.client.sendRequest(ListExperimentsRequest.type);
    assert.equal(list.length, 1);
    assert.equal(list[0]!.name, 'quadratic');
    assert.equal(list[0]!.trials.completed, 3);
    assert.deepEqual(list[0]!.best, { trialId: 2, value: 0.35, params: { learning_rate: 0.01, momentum: 0.9 } });

    // An open document's text wins over the disk: a broken edit gives diagnostics at the bad node.
    const broken = experimentText().replace('low: 0, high: 0.99', 'low: 0.99, high: 0');
    const uri = uriOf(file);
    const diagnostics = server.waitFor<{ uri: string; diagnostics: Diagnostic[] }>(
      'textDocument/publishDiagnostics',
      (p) => p.uri === uri && p.diagnostics.length > 0,
    );
    await server.open(file, broken);
    const published = await diagnostics;
    const error = published.diagnostics.find((d) => d.severity === 1)!;
    assert.ok(error, 'an error diagnostic');
    assert.equal(error.range.start.line, 4, 'points at the momentum line');
    // The last good state is still served.
    const history = await server.client.sendRequest(TrialHistoryRequest.type, { uri });
    assert.equal(history.trials.length, 4);
    const after = await server.client.sendRequest(ListExperimentsRequest.type);
    assert.ok((after[0]!.errors ?? 0) >= 1);

    // Garbage is not a crash either.
    await server.change(file, ':::\n  - [unclosed', 2);
    await server.waitFor<{ uri: string; diagnostics: Diagnostic[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.some((d) => d.code === 'yaml-syntax' && d.severity === 1));
    const stillThere = await server.client.sendRequest(TrialHistoryRequest.type, { uri });
    assert.equal(stillThere.trials.length, 4);
  });

  it('suggests in bounds with a predicted mean ± sd, deterministically, and serves posterior, lenses and run plans', async () => {
    await writeFile(file, experimentText());
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    const result: SuggestResult = await server.client.sendRequest(SuggestRequest.type, { uri, count: 2 });
    assert.equal(result.model, 'single-task');
    assert.equal(result.suggestions.length, 2);
    for (const s of result.suggestions) {
      const lr = s.params.learning_rate as number;
      const m = s.params.momentum as number;
      assert.ok(lr >= 1e-4 && lr <= 1 && m >= 0 && m <= 0.99, `in bounds: ${JSON.stringify(s.params)}`);
      assert.ok(Number.isFinite(s.predictedMean) && s.predictedSd > 0 && Number.isFinite(s.acquisition));
    }
    const again = await server.client.sendRequest(SuggestRequest.type, { uri, count: 2 });
    assert.deepEqual(again, result);

    const posterior = await server.client.sendRequest(PosteriorRequest.type, { uri, pair: ['learning_rate', 'momentum'], resolution: 10, includePrior: true });
    assert.equal(posterior.anchorKind, 'best');
    assert.deepEqual(posterior.anchor, { learning_rate: 0.01, momentum: 0.9 });
    assert.equal(posterior.slices.length, 2);
    assert.equal(posterior.slices[0]!.priorMean!.length, 10);
    assert.equal(posterior.contour!.mean.length, 10);
    assert.equal(posterior.observations.length, 3);

    const lenses = await settledCodeLenses<{
      command: { title: string; command: string; arguments?: unknown[] };
      range: { start: { line: number } };
    }>(server, uri);
    const next = lenses.find((l) => l.command.command === 'hyperbo.applySuggestion')!;
    assert.match(next.command.title, /^▶ next: learning_rate=\S+ momentum=\S+ {2}predicted \S+ ± \S+$/);
    assert.deepEqual(next.command.arguments, [uri, 0]);
    assert.equal(next.range.start.line, 9, 'above trials:');
    assert.ok(lenses.some((l) => l.command.command === 'hyperbo.applyAndRun'));
    assert.ok(lenses.some((l) => /trial 2: completed · valid\/loss 0\.35/.test(l.command.title)));

    const hover = (await server.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 11, character: 30 } })) as {
      contents: { value: string };
    };
    assert.match(hover.contents.value, /Trial 2.*posterior valid\/loss.*± /s);

    const plan = await server.client.sendRequest(RunPlanRequest.type, { uri, trialId: 4 });
    assert.deepEqual(plan.command, ['python', 'train.py', '--lr', '0.003', '--momentum', '0.7', '--out', 'runs/4']);
    assert.equal(plan.cwd, path.dirname(file));
    assert.equal(plan.logPath, path.join(path.dirname(file), 'runs', '4', 'metrics.jsonl'));
    assert.equal(plan.commandWritesLog, true);
    assert.equal(plan.scheduler, 'local');
    assert.deepEqual(plan.sbatch, []);
    assert.equal(plan.job, undefined);

    const add = await server.client.sendRequest(AddTrialEditRequest.type, { uri, params: result.suggestions[0]!.params });
    assert.equal(add.trialId, 5);
    assert.equal(add.edits.length, 1);
    assert.match(add.edits[0]!.newText, /id: 5/);
    await assert.rejects(server.client.sendRequest(AddTrialEditRequest.type, { uri, params: { learning_rate: 5, momentum: 0.5 } }), /outside the search space/);
  });

  it('run.scheduler slurm: the run plan carries the scheduler, the substituted sbatch options and the recorded job id; the job id is written and reported', async () => {
    const text = experimentText()
      .replace('  log: runs/${trial}/metrics.jsonl', '  log: runs/${trial}/metrics.jsonl\n  scheduler: slurm\n  sbatch: [--time=10, "--comment=lr ${learning_rate}"]')
      .replace('status: running }', 'status: running, job: "4711" }');
    await writeFile(file, text);
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    const plan = await server.client.sendRequest(RunPlanRequest.type, { uri, trialId: 4 });
    assert.equal(plan.scheduler, 'slurm');
    assert.deepEqual(plan.sbatch, ['--time=10', '--comment=lr 0.003']);
    assert.equal(plan.job, '4711');
    assert.equal(plan.experiment, 'quadratic');
    const history = await server.client.sendRequest(TrialHistoryRequest.type, { uri });
    assert.equal(history.trials.find((t) => t.id === 4)!.job, '4711');
    const update = await server.client.sendRequest(UpdateTrialEditRequest.type, { uri, trialId: 3, status: 'running', job: '4712' });
    assert.match(update.edits[0]!.newText, /job: "4712"/);
  });

  it('tails a running trial’s log: live curve, then completion with the reduced value; an exploding loss → diverged', async () => {
    await writeFile(file, experimentText());
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    const log = path.join(path.dirname(file), 'runs', '4', 'metrics.jsonl');
    await mkdir(path.dirname(log), { recursive: true });
    await writeFile(log, '{"step": 1, "valid/loss": 0.8}\n{"step": 2, "valid/loss": 0.5}\n{"step": 3, "valid/lo');
    const running = await server.waitFor<TrialUpdatedNotification.Params>(TrialUpdatedNotification.method, (p) => p.trial.id === 4 && (p.trial.curve?.length ?? 0) === 2);
    assert.equal(running.trial.status, 'running');
    await appendFile(log, 'ss": 0.42}\n{"step": 4, "valid/loss": 0.45}\n');
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(log), type: 2 }] });
    await server.waitFor<TrialUpdatedNotification.Params>(TrialUpdatedNotification.method, (p) => p.trial.id === 4 && (p.trial.curve?.length ?? 0) === 4);
    // The log says the run ended: the trial completes with the curve reduced by the experiment's rule (min).
    await appendFile(log, '{"step": 4, "done": 1}\n');
    const done = await server.waitFor<TrialUpdatedNotification.Params>(TrialUpdatedNotification.method, (p) => p.trial.id === 4 && p.trial.status === 'completed');
    assert.equal(done.trial.value, 0.42);
    const summary = (await server.client.sendRequest(ListExperimentsRequest.type))[0]!;
    assert.equal(summary.trials.completed, 4);

    // The client asks for the edit that records it; the value comes from the log.
    const update = await server.client.sendRequest(UpdateTrialEditRequest.type, { uri, trialId: 4, status: 'completed' });
    assert.equal(update.status, 'completed');
    assert.equal(update.value, 0.42);

    // A second running trial whose loss blows up is diverged.
    const text = experimentText().replace('status: running }', 'status: running }\n  - { id: 5, params: { learning_rate: 0.5, momentum: 0.1 }, status: running }');
    await writeFile(file, text);
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 2 }] });
    const log5 = path.join(path.dirname(file), 'runs', '5', 'metrics.jsonl');
    await mkdir(path.dirname(log5), { recursive: true });
    // The loss explodes past the divergence rule (1e6 × its first value).
    await writeFile(log5, '{"step": 1, "valid/loss": 3.0}\n{"step": 2, "valid/loss": 4.0e7}\n');
    const diverged = await server.waitFor<TrialUpdatedNotification.Params>(TrialUpdatedNotification.method, (p) => p.trial.id === 5 && p.trial.status === 'diverged');
    assert.ok(diverged.trial.reason);
    const history: TrialHistoryResult = await server.client.sendRequest(TrialHistoryRequest.type, { uri });
    assert.equal(history.trials.find((t) => t.id === 5)!.status, 'diverged');
  });

  it('a rerun trial\'s fields describe its last run: starting clears the old finish time and reason, completing keeps none', async () => {
    const failed = '  - { id: 4, params: { learning_rate: 0.003, momentum: 0.7 }, status: failed, finished: "2026-01-01T00:00:00Z", reason: "The command exited with code 1." }';
    const text = experimentText({ trials: failed });
    await writeFile(file, text);
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    await server.open(file, text);
    const start = await server.client.sendRequest(UpdateTrialEditRequest.type, { uri, trialId: 4, status: 'running', started: new Date().toISOString() });
    const running = applyLspEdits(text, start.edits);
    assert.match(running, /id: 4, .*status: running, started: "[^"]+" \}/);
    assert.doesNotMatch(running, /reason|finished/);
    await writeFile(file, running);
    await server.change(file, running, 2);
    const log = path.join(path.dirname(file), 'runs', '4', 'metrics.jsonl');
    await mkdir(path.dirname(log), { recursive: true });
    await writeFile(log, '{"step": 1, "valid/loss": 0.4}\n');
    const end = await server.client.sendRequest(UpdateTrialEditRequest.type, { uri, trialId: 4, status: 'completed', finished: new Date().toISOString() });
    const completed = applyLspEdits(running, end.edits);
    assert.match(completed, /id: 4, .*status: completed, .*value: 0\.4, .*finished: "2026/);
    assert.doesNotMatch(completed, /reason/);
  });

  it('pre-trains a prior from a PD1-style file with progress, caches it, and restarts to the same state', async () => {
    const data = path.join(root, 'data', 'related.jsonl.gz');
    await mkdir(path.dirname(data), { recursive: true });
    await writeFile(data, gzipSync(pd1Rows()));
    await writeFile(file, pd1Experiment(PD1_PRIOR));
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    const token = 'pretrain-1';
    const provenance: ProvenanceResult = await server.client.sendRequest(PretrainRequest.type, { uri, workDoneToken: token });
    assert.equal(provenance.model, 'pretrained');
    assert.equal(provenance.objective, 'nll');
    assert.equal(provenance.tasks.length, 3);
    assert.ok(provenance.tasks.every((t) => t.points === 12 && t.source === 'related.jsonl.gz'));
    assert.ok(Number.isFinite(provenance.finalLoss));
    assert.ok(provenance.heldOut && provenance.heldOut.points === 3 && Number.isFinite(provenance.heldOut.rmse));
    const progress = server.notifications.filter((n) => n.method === '$/progress' && (n.params as { token: string }).token === token);
    const kinds = progress.map((n) => (n.params as { value: { kind: string } }).value.kind);
    assert.equal(kinds[0], 'begin');
    assert.ok(kinds.includes('report'), 'reports progress');
    assert.equal(kinds.at(-1), 'end');
    const cacheDir = path.join(root, '.hyperbo', 'priors');
    const cached = (await readdir(cacheDir)).filter((f) => f.endsWith('.json') && !f.endsWith('.sources.json'));
    assert.equal(cached.length, 1);
    const cacheFile = path.join(cacheDir, cached[0]!);
    const mtime = (await stat(cacheFile)).mtimeMs;

    const suggestion = await server.client.sendRequest(SuggestRequest.type, { uri });
    assert.equal(suggestion.model, 'pretrained');
    const history = await server.client.sendRequest(TrialHistoryRequest.type, { uri });
    const list: ExperimentSummary[] = await server.client.sendRequest(ListExperimentsRequest.type);

    // Kill the server and start a new one on the same workspace: same trials, same prior, same suggestion.
    await server.dispose();
    server = await startTestServer(root, FAST);
    assert.deepEqual(await server.client.sendRequest(ListExperimentsRequest.type), list);
    assert.deepEqual(await server.client.sendRequest(TrialHistoryRequest.type, { uri }), history);
    const again = await server.client.sendRequest(ProvenanceRequest.type, { uri });
    assert.equal(again.cacheKey, provenance.cacheKey);
    assert.equal(again.trainedAt, provenance.trainedAt);
    assert.deepEqual(await server.client.sendRequest(SuggestRequest.type, { uri }), suggestion);
    assert.equal((await stat(cacheFile)).mtimeMs, mtime, 'the cached prior was not retrained');

    // Changing the data changes the key: the prior is trained again.
    await writeFile(data, gzipSync(pd1Rows(10)));
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(data), type: 2 }] });
    const retrained = await server.client.sendRequest(PretrainRequest.type, { uri });
    assert.notEqual(retrained.cacheKey, provenance.cacheKey);
    assert.ok(JSON.parse(await readFile(cacheFile, 'utf8')).theta.length > 0, 'old cache entry intact');
  });

  it('learns the prior from a related experiment file; its new trials change the cache key', async () => {
    const other = path.join(path.dirname(file), 'other.hyperbo.yaml');
    const otherTrials = (n: number): string =>
      Array.from({ length: n }, (_, i) => {
        const lr = 10 ** (-4 + (4 * (i + 0.5)) / n);
        const m = (0.99 * ((i * 7) % n)) / n;
        const v = 0.2 + 0.1 * (Math.log10(lr) + 2) ** 2 + 0.3 * (m - 0.8) ** 2;
        return `  - { id: ${i + 1}, params: { learning_rate: ${lr.toPrecision(4)}, momentum: ${m.toPrecision(4)} }, status: completed, value: ${v.toPrecision(4)} }`;
      }).join('\n');
    await writeFile(other, experimentText({ trials: otherTrials(8) }).replace('name: quadratic', 'name: related-run'));
    await writeFile(file, experimentText().replace('acquisition:', 'prior: { from: [other.hyperbo.yaml] }\nacquisition:'));
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    const first = await server.client.sendRequest(PretrainRequest.type, { uri });
    assert.equal(first.model, 'pretrained');
    const { agreement, ...task } = first.tasks[0]!;
    assert.deepEqual([task, first.tasks.length], [{ name: 'related-run', source: path.join('tune', 'other.hyperbo.yaml'), points: 8 }, 1]);
    // This experiment's 3 completed trials make 3 pairs; how many the related run orders alike is the model's to say.
    assert.ok(agreement && agreement.pairs === 3 && agreement.concordant >= 0 && agreement.concordant <= 3, JSON.stringify(agreement));
    const suggestion = await server.client.sendRequest(SuggestRequest.type, { uri });
    assert.equal(suggestion.model, 'pretrained');

    await writeFile(other, experimentText({ trials: otherTrials(10) }).replace('name: quadratic', 'name: related-run'));
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(other), type: 2 }] });
    await server.waitFor<ExperimentSummary[][]>('hyperbo/experimentsChanged', (p) => p[0]!.some((e) => e.name === 'related-run' && e.trials.completed === 10));
    const second = await server.client.sendRequest(PretrainRequest.type, { uri });
    assert.notEqual(second.cacheKey, first.cacheKey);
    assert.equal(second.tasks[0]!.points, 10);
  });

  it('completes keys and enum values and explains keys on hover', async () => {
    server = await startTestServer(root, FAST);
    const text = 'name: x\nobjective:\n  metric: valid/loss\n  goal: \n';
    await server.open(file, text);
    const uri = uriOf(file);
    const items = (await server.client.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 3, character: 8 } })) as { label: string }[];
    assert.deepEqual(items.map((i) => i.label).sort(), ['maximize', 'minimize']);
    const hover = (await server.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 3 } })) as { contents: { value: string } };
    assert.match(hover.contents.value, /smaller or larger/i);
  });

  it('cancels pre-training and keeps answering other requests meanwhile', async () => {
    const data = path.join(root, 'data', 'related.jsonl.gz');
    await mkdir(path.dirname(data), { recursive: true });
    await writeFile(data, gzipSync(pd1Rows()));
    await writeFile(file, pd1Experiment(PD1_PRIOR));
    server = await startTestServer(root, { pretrain: { steps: 100_000, optimizer: 'adam', auto: false }, logs: { pollInterval: 0 } });
    const uri = uriOf(file);
    const { CancellationTokenSource } = await import('vscode-jsonrpc/node');
    const source = new CancellationTokenSource();
    const pretrain = server.client.sendRequest(PretrainRequest.type, { uri, workDoneToken: 'long' }, source.token);
    await server.waitFor('$/progress', (p: { token: string; value: { kind: string } }) => p.token === 'long' && p.value.kind === 'report');
    const started = Date.now();
    const list = await server.client.sendRequest(ListExperimentsRequest.type);
    assert.equal(list.length, 1);
    assert.ok(Date.now() - started < 1000, 'the server answers while pre-training');
    source.cancel();
    await assert.rejects(pretrain, /cancel/i);
    const cacheDir = path.join(root, '.hyperbo', 'priors');
    const files = await readdir(cacheDir).catch(() => []);
    assert.equal(files.filter((f) => f.endsWith('.json')).length, 0, 'nothing cached from a cancelled run');
  });
});
