// `hyperbo tune` run as a child process on tiny experiments whose run.command is a small node script writing a
// JSONL metrics log computed from the trial's parameters.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parsePrior } from '../../../src/engine';
import { parseExperiment } from '../../../src/formats/experiment';
import { copyExampleWorkspace } from '../../exampleCopy';
import { experimentFolder, METRIC, pd1Rows, runCli, startCli, writeJsonl } from './harness';

// score = (log10 lr + 2)² + (mom − 0.5)² + 0.1/epoch over 3 epochs, best at lr = 0.01, mom = 0.5; MODE simulates failures.
const OBJECTIVE_SCRIPT = `import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
const [lr, mom, out, mode] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4], process.argv[5] ?? 'ok'];
if (mode === 'crash') {
  console.log('epoch 1');
  console.error('Traceback (simulated)');
  console.error('out of memory at lr=' + lr + ' (simulated)');
  process.exit(3);
}
if (mode === 'sleep') setTimeout(() => {}, 30000);
else {
  const base = (Math.log10(lr) + 2) ** 2 + (mom - 0.5) ** 2;
  const rows = [1, 2, 3].map((epoch) => ({ epoch, 'train/loss': base + 1 / epoch, score: base + 0.1 / epoch }));
  if (mode === 'nan') rows[1].score = 'NaN';
  if (mode === 'loss-nan') rows[2]['train/loss'] = 'NaN';
  if (mode === 'explode') rows[2].score = (base + 1) * 1e9;
  if (mode === 'no-metric') for (const r of rows) delete r.score;
  if (mode === 'print') {
    for (const r of rows) console.log(JSON.stringify(r));
    console.error('a warning on stderr (simulated)');
  } else {
    mkdirSync(dirname(out), { recursive: true });
    if (mode !== 'no-log') writeFileSync(out, rows.map((r) => JSON.stringify(r)).join('\\n') + '\\n');
  }
}
`;
const expectedScore = (p: Record<string, unknown>) => (Math.log10(Number(p.lr)) + 2) ** 2 + (Number(p.mom) - 0.5) ** 2 + 0.1 / 3;

// The experiment file in three parts: the trials key sits between the search space and the run section, so
// edits must keep what comes before and after it byte for byte.
const HEAD = `# Tiny experiment for the CLI tests: a quadratic in log10(lr), best at lr = 0.01, mom = 0.5.
name: quadratic
objective:
  metric: score      # as the log writes it
  goal: minimize
  reduce: min
search_space:
  lr:  { type: float, low: 1.0e-4, high: 1, scale: log }   # learning rate
  mom: { type: float, low: 0, high: 1 }
seed: 3
`;
const TRIALS = 'trials: []   # hyperbo appends here\n';
const tail = (mode: string, command = `[node, objective.mjs, "\${lr}", "\${mom}", "runs/\${trial}/log.jsonl", ${mode}]`) => `run:
  # the objective script; the last argument selects a failure to simulate
  command: ${command}
  log: runs/\${trial}/log.jsonl
# end of file: kept as written
`;

interface Row {
  id: number;
  params: Record<string, number>;
  predicted: string;
  value?: string;
  status?: string;
}

/** The table rows tune prints (trial, parameters..., predicted[, value, status]). */
function tableRows(stdout: string, names: readonly string[]): Row[] {
  return stdout
    .split('\n')
    .filter((l) => /^\d+\t/.test(l))
    .map((l) => {
      const cells = l.split('\t');
      return {
        id: Number(cells[0]),
        params: Object.fromEntries(names.map((n, j) => [n, Number(cells[1 + j])])),
        predicted: cells[1 + names.length]!,
        value: cells[2 + names.length],
        status: cells[3 + names.length],
      };
    });
}

describe('hyperbo tune (CLI)', function () {
  this.timeout(60_000);
  let root: string;
  let counter = 0;

  /** A fresh folder with the objective script and an experiment file. */
  const experiment = (text: string) => experimentFolder(path.join(root, `exp-${++counter}`), OBJECTIVE_SCRIPT, text);
  const tune = (dir: string, ...args: string[]) => runCli(['tune', 'quadratic.hyperbo.yaml', ...args], dir);

  before(() => (root = mkdtempSync(path.join(tmpdir(), 'hyperbo-cli-tune-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  describe('a session with a single-task GP (no prior.from)', () => {
    const original = HEAD + TRIALS + tail('ok');
    let exp: ReturnType<typeof experiment>;
    let first: ReturnType<typeof runCli>;
    before(() => {
      exp = experiment(original);
      first = tune(exp.dir, '--trials', '4');
    });

    it('appends N trials with the values their logs give, and prints the best of the file', () => {
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /^Experiment quadratic: minimize score over lr, mom$/m);
      assert.match(first.stdout, /^Prior: no prior\.from: a GP fitted to this experiment alone$/m);
      assert.doesNotMatch(first.stdout, /most alike/, 'no prior, no training tasks to compare');
      assert.match(first.stdout, /^Acquisition: expected improvement$/m, 'auto without a prior');
      const trials = exp.trials();
      assert.deepEqual(trials.map((t) => t.id), [1, 2, 3, 4]);
      for (const t of trials) {
        assert.equal(t.status, 'completed');
        assert.ok(Math.abs(t.value! - expectedScore(t.params)) < 1e-12, `trial ${t.id}: ${t.value} vs ${expectedScore(t.params)}`);
        assert.equal(t.log, `runs/${t.id}/log.jsonl`);
        assert.ok(Date.parse(t.started!) <= Date.parse(t.finished!));
        const { lr, mom } = t.params as { lr: number; mom: number };
        assert.ok(lr >= 1e-4 && lr <= 1 && mom >= 0 && mom <= 1);
      }
      assert.equal(new Set(trials.map((t) => JSON.stringify(t.params))).size, 4, 'no configuration repeated');
      const rows = tableRows(first.stdout, ['lr', 'mom']);
      assert.deepEqual(rows.map((r) => [r.id, r.status]), trials.map((t) => [t.id, 'completed']));
      rows.forEach((r, i) => assert.ok(Math.abs(Number(r.value) - trials[i]!.value!) < 1e-3 * trials[i]!.value!));
      const best = trials.reduce((a, b) => (b.value! < a.value! ? b : a));
      const printed = /^Best score = (\S+) \(trial (\d+)\) with lr=(\S+) mom=(\S+)$/m.exec(first.stdout);
      assert.ok(printed, first.stdout);
      assert.equal(Number(printed[2]), best.id);
      assert.ok(Math.abs(Number(printed[1]) - best.value!) < 1e-3 * best.value!);
      assert.equal(Number(printed[3]), best.params.lr);
      assert.equal(Number(printed[4]), best.params.mom);
    });

    it('keeps everything outside the trials section byte for byte, comments included', () => {
      const text = exp.read();
      assert.ok(text.startsWith(HEAD + 'trials: # hyperbo appends here\n  - id: 1\n'), text.slice(HEAD.length - 20, HEAD.length + 80));
      assert.ok(text.endsWith('\n' + tail('ok')), text.slice(-300));
    });

    it('resumes in a second invocation: ids continue, earlier trials stay as written, and it runs what --dry-run showed', () => {
      const before = exp.read();
      const dry = tune(exp.dir, '--trials', '2', '--dry-run');
      assert.equal(dry.status, 0, dry.stderr);
      assert.equal(exp.read(), before, 'a dry run does not touch the file');
      const shown = tableRows(dry.stdout, ['lr', 'mom']);
      assert.deepEqual(shown.map((r) => r.id), [5, 6]);

      const second = tune(exp.dir, '--trials', '2');
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /^Resuming after 4 recorded trials\.$/m);
      const text = exp.read();
      const oldTrials = before.slice(0, before.length - tail('ok').length);
      assert.ok(text.startsWith(oldTrials), 'the first four trials are unchanged');
      assert.ok(text.endsWith('\n' + tail('ok')));
      const trials = exp.trials();
      assert.deepEqual(trials.map((t) => t.id), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(trials[4]!.params, shown[0]!.params, 'trial 5 is the dry run\'s first suggestion');
      assert.notDeepEqual(trials[4]!.params, trials[0]!.params, 'the model used the recorded trials');
      for (const t of trials.slice(4)) assert.ok(Math.abs(t.value! - expectedScore(t.params)) < 1e-12);
      // The best of the whole file, old trials included.
      const best = trials.reduce((a, b) => (b.value! < a.value! ? b : a));
      assert.match(second.stdout, new RegExp(`^Best score = \\S+ \\(trial ${best.id}\\)`, 'm'));
    });
  });

  describe('trials that fail or diverge', () => {
    it('a failing command: status failed with the exit code and its last output lines, and the crash is not rerun', () => {
      const exp = experiment(HEAD + TRIALS + tail('crash'));
      const r = tune(exp.dir, '--trials', '2');
      assert.equal(r.status, 1, 'no trial completed');
      assert.match(r.stdout, /^No trial completed\.$/m);
      assert.match(r.stderr, /^trial 1 failed: The command exited with code 3\. Last output: epoch 1 ⏎ Traceback \(simulated\) ⏎ out of memory at lr=\S+ \(simulated\)$/m);
      const trials = exp.trials();
      assert.deepEqual(trials.map((t) => t.status), ['failed', 'failed']);
      for (const t of trials) {
        assert.equal(t.value, undefined);
        assert.equal(t.reason, `The command exited with code 3. Last output: epoch 1 ⏎ Traceback (simulated) ⏎ out of memory at lr=${t.params.lr} (simulated)`);
      }
      assert.notDeepEqual(trials[1]!.params, trials[0]!.params);
    });

    it('a command that cannot start: failed, saying why', () => {
      const exp = experiment(HEAD + TRIALS + tail('ok', '[no-such-program-for-hyperbo, "${lr}"]'));
      const r = tune(exp.dir, '--trials', '1');
      assert.equal(r.status, 1);
      const [t] = exp.trials();
      assert.equal(t!.status, 'failed');
      assert.match(t!.reason!, /^Could not start "no-such-program-for-hyperbo": no such program on the PATH/);
    });

    it('NaN in the objective or in a loss, or an exploding objective: diverged with the reason; no metric or no log: failed', () => {
      const cases: [string, string, RegExp][] = [
        ['nan', 'diverged', /^score became NaN at step 2$/],
        ['loss-nan', 'diverged', /^train\/loss became NaN at step 3$/],
        ['explode', 'diverged', /^score exploded to \S+ at step 3, \S+× its first value$/],
        ['no-metric', 'failed', /^the log has no "score" values \(it logs train\/loss\) in runs\/1\/log\.jsonl$/],
        ['no-log', 'failed', /^the command succeeded but wrote no log at runs\/1\/log\.jsonl; check run\.log$/],
      ];
      for (const [mode, status, reason] of cases) {
        const exp = experiment(HEAD + TRIALS + tail(mode));
        const r = tune(exp.dir, '--trials', '1');
        assert.equal(r.status, 1, `${mode}: ${r.stderr}`);
        const [t] = exp.trials();
        assert.equal(t!.status, status, mode);
        assert.equal(t!.value, undefined, mode);
        assert.match(t!.reason!, reason, mode);
        assert.match(r.stderr, new RegExp(`^trial 1 ${status}: `, 'm'), mode);
        assert.match(r.stdout, new RegExp(`^1\\t.*\\t—\\t${status}$`, 'm'), mode);
      }
    });
  });

  describe('a trial\'s log belongs to its run', () => {
    it('${run} in run.log: each trial records its run id and writes a log of its own, which tune reads', () => {
      const exp = experiment(
        HEAD + TRIALS + tail('ok', '[node, objective.mjs, "${lr}", "${mom}", "runs/${trial}-${run}/log.jsonl", ok]').replace('log: runs/${trial}/log.jsonl', 'log: runs/${trial}-${run}/log.jsonl'),
      );
      const r = tune(exp.dir, '--trials', '2');
      assert.equal(r.status, 0, r.stderr);
      const trials = exp.trials();
      assert.deepEqual(trials.map((t) => t.status), ['completed', 'completed']);
      for (const t of trials) {
        assert.match(t.run ?? '', /^\d{8}-\d{6}-[0-9a-f]{4}$/);
        assert.equal(t.log, `runs/${t.id}-${t.run}/log.jsonl`);
        assert.ok(existsSync(path.join(exp.dir, t.log!)));
        assert.ok(Math.abs(t.value! - expectedScore(t.params)) < 1e-12);
      }
      assert.notEqual(trials[0]!.run, trials[1]!.run);
    });

    it('without ${run}: a log an earlier run left at the path (older than the trial\'s start) is not taken for this run\'s', () => {
      const exp = experiment(HEAD + TRIALS + tail('no-log'));
      // An earlier trial 1 (before trials: was cleared) wrote a good log an hour ago.
      mkdirSync(path.join(exp.dir, 'runs', '1'), { recursive: true });
      const stale = path.join(exp.dir, 'runs', '1', 'log.jsonl');
      writeFileSync(stale, '{"epoch": 1, "score": 0.001}\n');
      const hourAgo = new Date(Date.now() - 3600_000);
      utimesSync(stale, hourAgo, hourAgo);
      const r = tune(exp.dir, '--trials', '1');
      assert.equal(r.status, 1, r.stderr);
      const [t] = exp.trials();
      assert.equal(t!.status, 'failed');
      assert.equal(t!.value, undefined);
      assert.match(t!.reason!, /^the command succeeded but wrote no log at runs\/1\/log\.jsonl; check run\.log$/);
    });
  });

  describe('the command\'s output as the log', () => {
    const printing = '[node, objective.mjs, "${lr}", "${mom}", "-", print]';
    it('without run.log: stdout and stderr are captured beside the file, as the editor does, and the metric read from them', () => {
      const exp = experiment(HEAD + TRIALS + `run:\n  command: ${printing}\n`);
      const r = tune(exp.dir, '--trials', '2');
      assert.equal(r.status, 0, r.stderr);
      const trials = exp.trials();
      assert.deepEqual(trials.map((t) => t.status), ['completed', 'completed']);
      for (const t of trials) {
        assert.equal(t.log, `.hyperbo/runs/quadratic/trial-${t.id}-${t.run}.log`);
        const captured = readFileSync(path.join(exp.dir, t.log!), 'utf8');
        assert.match(captured, /^\{"epoch":1,/);
        assert.match(captured, /a warning on stderr \(simulated\)/);
        assert.ok(Math.abs(t.value! - expectedScore(t.params)) < 1e-12);
      }
    });

    it('a reader that goes away (tune | head) ends the output, not the session: every trial is recorded, no stack trace', async () => {
      const exp = experiment(HEAD + TRIALS + tail('ok'));
      const { child, done } = startCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '3'], exp.dir);
      child.stdout.once('data', () => child.stdout.destroy());
      const r = await done;
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /EPIPE|Error:|at /);
      assert.deepEqual(exp.trials().map((t) => t.status), ['completed', 'completed', 'completed']);
    });

    it('run.capture: true writes the output to run.log', () => {
      const exp = experiment(HEAD + TRIALS + `run:\n  command: ${printing}\n  log: out/\${trial}.txt\n  capture: true\n`);
      const r = tune(exp.dir, '--trials', '1');
      assert.equal(r.status, 0, r.stderr);
      const [t] = exp.trials();
      assert.equal(t!.status, 'completed');
      assert.equal(t!.log, 'out/1.txt');
      assert.ok(Math.abs(t!.value! - expectedScore(t!.params)) < 1e-12);
      assert.equal(readFileSync(path.join(exp.dir, 'out', '1.txt'), 'utf8').split('\n').filter((l) => l.startsWith('{')).length, 3);
    });
  });

  describe('--dry-run', () => {
    it('prints N suggestions with predicted value ± sd, runs nothing and leaves the file byte-identical', () => {
      const original = HEAD + TRIALS + tail('ok');
      const exp = experiment(original);
      const r = tune(exp.dir, '--trials', '3', '--dry-run');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(exp.read(), original);
      assert.equal(existsSync(path.join(exp.dir, 'runs')), false, 'nothing ran');
      assert.match(r.stdout, /^Dry run: the next 3 suggestion\(s\).*Nothing was run; quadratic\.hyperbo\.yaml is unchanged\.$/m);
      const rows = tableRows(r.stdout, ['lr', 'mom']);
      assert.deepEqual(rows.map((x) => x.id), [1, 2, 3]);
      assert.equal(new Set(rows.map((x) => JSON.stringify(x.params))).size, 3, 'a batch of distinct configurations');
      for (const x of rows) assert.ok(x.params.lr! >= 1e-4 && x.params.lr! <= 1 && x.params.mom! >= 0 && x.params.mom! <= 1);
      // With no data and no prior there is nothing to predict from.
      assert.deepEqual(rows.map((x) => x.predicted), ['—', '—', '—']);

      // A real session then runs exactly the first suggestion.
      assert.equal(tune(exp.dir, '--trials', '1').status, 0);
      assert.deepEqual(exp.trials()[0]!.params, rows[0]!.params);
    });

    it('shows predicted value ± sd once there are results, and works without a run section', () => {
      const recorded = `trials:
  - { id: 1, params: { lr: 0.001, mom: 0.2 }, status: completed, value: 1.2 }
  - { id: 2, params: { lr: 0.1, mom: 0.9 }, status: completed, value: 1.3 }
  - { id: 3, params: { lr: 0.5, mom: 0.5 }, status: diverged }
`;
      const original = HEAD + recorded;
      const exp = experiment(original);
      const r = tune(exp.dir, '--trials', '2', '--dry-run');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(exp.read(), original);
      assert.match(r.stdout, /^Resuming after 3 recorded trials\.$/m);
      const rows = tableRows(r.stdout, ['lr', 'mom']);
      assert.deepEqual(rows.map((x) => x.id), [4, 5]);
      for (const x of rows) {
        const m = /^(\S+)±(\S+)$/.exec(x.predicted);
        assert.ok(m, x.predicted);
        assert.ok(Number.isFinite(Number(m[1])) && Number(m[2]) > 0, x.predicted);
      }
      const real = tune(exp.dir, '--trials', '1');
      assert.equal(real.status, 1);
      assert.match(real.stderr, /needs run\.command to launch trials, e\.g\. run: \{ command: /);
      assert.equal(exp.read(), original);
    });

    it('says what the model sees of the metric: an absurd loss is infeasible, objective.normalize: copula is taken', () => {
      const recorded = `trials:
  - { id: 1, params: { lr: 0.001, mom: 0.2 }, status: completed, value: 1.2 }
  - { id: 2, params: { lr: 0.1, mom: 0.9 }, status: completed, value: 1.3 }
  - { id: 3, params: { lr: 0.01, mom: 0.5 }, status: completed, value: 1.1 }
  - { id: 4, params: { lr: 0.5, mom: 0.5 }, status: completed, value: 1.0e+300 }
`;
      const r = tune(experiment(HEAD + recorded).dir, '--trials', '1', '--dry-run');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Output rule: −log\(value\) · 1 of 4 completed results infeasible \(absurdly bad: fitted as the worst feasible\) · standardised per task$/m);
      const copula = tune(experiment(HEAD.replace('  goal: minimize\n', '  goal: minimize\n  normalize: copula\n') + recorded).dir, '--trials', '1', '--dry-run');
      assert.equal(copula.status, 0, copula.stderr);
      assert.match(copula.stdout, /^Output rule: .* · Gaussian copula: normal scores of the ranks$/m);
    });
  });

  describe('the output rule after a session', () => {
    it('names the results the model did not fit as numbers after the trials, and nothing when there are none', () => {
      const recorded = `trials:
  - { id: 1, params: { lr: 0.001, mom: 0.2 }, status: completed, value: 1.2 }
  - { id: 2, params: { lr: 0.1, mom: 0.9 }, status: completed, value: 1.3 }
  - { id: 3, params: { lr: 0.5, mom: 0.5 }, status: completed, value: 1.0e+300 }
`;
      const r = tune(experiment(HEAD + recorded + tail('ok')).dir, '--trials', '1');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Infeasible by the output rule \(absurdly bad, fitted like a diverged run\): trial 3 \(1e\+300\)\. objective\.tails: none fits every result as a number\.$/m);
      const plain = tune(experiment(HEAD + recorded.replace('1.0e+300', '2.5') + tail('ok')).dir, '--trials', '1');
      assert.equal(plain.status, 0, plain.stderr);
      assert.doesNotMatch(plain.stdout, /Infeasible/);
    });
  });

  describe('with prior.from pointing at PD1-style data', () => {
    const PD1_HEAD = `name: pd1-style
objective: { metric: valid/error_rate, goal: minimize }
search_space:
  learning_rate:         { type: float, low: 1.0e-5, high: 10, scale: log }
  one_minus_momentum:    { type: float, low: 1.0e-3, high: 1, scale: log }
  lr_decay_power:        { type: float, low: 0.1, high: 2.0 }
  lr_decay_steps_factor: { type: float, low: 0.01, high: 0.99 }
prior:
  from: [data/*.jsonl.gz]
  metric: ${METRIC}
  objective: ekl
`;
    // An error rate that is lowest near learning_rate = 0.03, one_minus_momentum = 0.1.
    const PD1_SCRIPT = `import { writeFileSync } from 'node:fs';
const [lr, omm, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const error = Math.min(0.9, 0.03 + 0.02 * (Math.log10(lr) + 1.5) ** 2 + 0.01 * (Math.log10(omm) + 1) ** 2);
writeFileSync(out, JSON.stringify({ step: 1, 'valid/error_rate': error }) + '\\n');
`;
    const expectedError = (p: Record<string, unknown>) =>
      Math.min(0.9, 0.03 + 0.02 * (Math.log10(Number(p.learning_rate)) + 1.5) ** 2 + 0.01 * (Math.log10(Number(p.one_minus_momentum)) + 1) ** 2);
    const PD1_RUN = `run:
  command: [node, pd1.mjs, "\${learning_rate}", "\${one_minus_momentum}", "log-\${trial}.jsonl"]
  log: log-\${trial}.jsonl
trials: []
`;

    it('pre-trains on the data (cached under .hyperbo/priors), then runs trials with that prior', () => {
      const exp = experiment(PD1_HEAD + PD1_RUN);
      writeFileSync(path.join(exp.dir, 'pd1.mjs'), PD1_SCRIPT);
      mkdirSync(path.join(exp.dir, 'data'));
      writeJsonl(path.join(exp.dir, 'data', 'tasks.jsonl.gz'), pd1Rows(['digits/mlp-relu-32/128', 'cars/mlp-relu-32/128'], 12));
      const names = ['learning_rate', 'one_minus_momentum', 'lr_decay_power', 'lr_decay_steps_factor'];
      // A dry run pre-trains as a session does; the session then loads that prior from the cache.
      const dry = tune(exp.dir, '--trials', '2', '--dry-run');
      assert.equal(dry.status, 0, dry.stderr);
      assert.match(dry.stdout, /^Prior: pre-trained on 2 tasks \(24 points\) with EKL in \S+ s$/m);
      const shown = tableRows(dry.stdout, names);
      assert.equal(shown.length, 2);
      const r = tune(exp.dir, '--trials', '3');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Prior: cached prior .*\.hyperbo\/priors\/[0-9a-f]{20}\.json$/m);
      assert.deepEqual(exp.trials()[0]!.params, shown[0]!.params, 'the cached prior suggests what the fresh one did');
      const cache = path.join(exp.dir, '.hyperbo', 'priors');
      const [cached, ...more] = readdirSync(cache).filter((f) => !f.endsWith('.sources.json'));
      assert.equal(more.length, 0, 'one cached prior');
      const prior = parsePrior(readFileSync(path.join(cache, cached!), 'utf8')).file;
      assert.equal(prior.training.metric, METRIC);
      assert.deepEqual(prior.training.tasks.map((t) => t.name), ['cars/mlp-relu-32/128', 'digits/mlp-relu-32/128']);
      assert.deepEqual(prior.training.sources, ['data/tasks.jsonl.gz']);
      const trials = exp.trials();
      assert.deepEqual(trials.map((t) => t.status), ['completed', 'completed', 'completed']);
      for (const t of trials) assert.ok(Math.abs(t.value! - expectedError(t.params)) < 1e-12);
      // With a prior every suggestion has a prediction in the metric's units.
      for (const row of [...shown, ...tableRows(r.stdout, names)]) assert.match(row.predicted, /^-?[\d.]+(e[+-]\d+)?±[\d.]+(e[+-]\d+)?$/);
      // After 3 results: which training tasks order them alike (3 pairs), as Prior Provenance says.
      const task = '(?:digits|cars)/mlp-relu-32/128 \\((?:0|33|67|100) %\\)';
      assert.match(r.stdout, new RegExp(`^The prior's tasks that order this experiment's trials most alike: ${task}, ${task} of 3 pairs\\.$`, 'm'));
    });

    it('data whose parameters differ from search_space, or a prior.from that matches nothing: an error, the file untouched', () => {
      const mismatch = experiment(HEAD + 'prior:\n  from: [tasks.jsonl]\n  metric: best_valid/error_rate\n' + TRIALS + tail('ok'));
      writeJsonl(path.join(mismatch.dir, 'tasks.jsonl'), pd1Rows(['digits/mlp-relu-32/128'], 5));
      const before = mismatch.read();
      const r = tune(mismatch.dir, '--trials', '1');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /the prior data's parameters \(learning_rate, one_minus_momentum, lr_decay_power, lr_decay_steps_factor\) differ from search_space \(lr, mom\)/);
      assert.equal(mismatch.read(), before);

      const nothing = experiment(PD1_HEAD.replace('data/*.jsonl.gz', 'nowhere/*.jsonl') + PD1_RUN);
      const n = tune(nothing.dir, '--trials', '1');
      assert.equal(n.status, 1);
      assert.match(n.stderr, /prior\.from matches no file \(nowhere\/\*\.jsonl\)/);
    });

    it('prior.from outside the experiment\'s workspace is refused with the reason; --allow-path DIR reads it', () => {
      const exp = experiment(PD1_HEAD.replace('data/*.jsonl.gz', '../shared-pd1/*.jsonl.gz') + PD1_RUN);
      writeFileSync(path.join(exp.dir, 'pd1.mjs'), PD1_SCRIPT);
      const shared = path.join(root, 'shared-pd1');
      mkdirSync(shared, { recursive: true });
      writeJsonl(path.join(shared, 'tasks.jsonl.gz'), pd1Rows(['digits/mlp-relu-32/128', 'cars/mlp-relu-32/128'], 12));
      const refused = tune(exp.dir, '--trials', '1', '--dry-run');
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /"\.\.\/shared-pd1\/\*\.jsonl\.gz" reaches .*shared-pd1, outside the workspace folders; HyperBO reads only files inside them unless you pass --allow-path DIR/);
      assert.match(refused.stderr, /prior\.from matches no file/);
      const allowed = tune(exp.dir, '--trials', '1', '--dry-run', '--allow-path', shared);
      assert.equal(allowed.status, 0, allowed.stderr);
      assert.match(allowed.stdout, /^Prior: pre-trained on 2 tasks \(24 points\)/m);
    });
  });

  describe('with prior.from naming a related experiment file (and a data file)', () => {
    // A related run of the same quadratic, shifted: its completed trials are a task to learn from.
    const relatedTrial = (id: number, lr: number, mom: number, extra = '') =>
      `  - { id: ${id}, params: { lr: ${lr}, mom: ${mom} }, status: completed, value: ${((Math.log10(lr) + 1.5) ** 2 + (mom - 0.4) ** 2).toPrecision(6)}${extra} }`;
    const RELATED_TRIALS = [
      relatedTrial(1, 0.0001, 0.1),
      relatedTrial(2, 0.001, 0.9),
      relatedTrial(3, 0.01, 0.5),
      relatedTrial(4, 0.03, 0.3),
      relatedTrial(5, 0.3, 0.7),
      relatedTrial(6, 1, 0.2),
      '  - { id: 7, params: { lr: 0.005, mom: 0.6 }, status: failed, reason: crashed }',
      '  - { id: 8, params: { lr: 0.002, mom: 0.4 }, status: running }',
    ];
    const relatedText = (trials: readonly string[]) => HEAD.replace('name: quadratic', 'name: related-run') + 'trials:\n' + trials.join('\n') + '\n';
    /** An HPOBench-style task file over the same parameters (5 × 5 grid). */
    const taskFile = (name: string) => {
      const lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1];
      const moms = [0, 0.25, 0.5, 0.75, 1];
      const data: Record<string, number[]> = {};
      lrs.forEach((lr, i) => moms.forEach((m, j) => (data[`${i}${j}`] = [(Math.log10(lr) + 2.5) ** 2 + (m - 0.6) ** 2])));
      return JSON.stringify({ dataset: name, direction: 'minimize', params: [{ name: 'lr', type: 'float', choices: lrs }, { name: 'mom', type: 'float', choices: moms }], data });
    };

    /** workspace/{tune/quadratic.hyperbo.yaml, other/related.hyperbo.yaml, data/task-a.json}. */
    function workspace(prior: string): { dir: string; tuneDir: string; related: string; cache: string } {
      const dir = path.join(root, `related-${++counter}`);
      for (const sub of ['tune', 'other', 'data']) mkdirSync(path.join(dir, sub), { recursive: true });
      writeFileSync(path.join(dir, 'tune', 'objective.mjs'), OBJECTIVE_SCRIPT);
      writeFileSync(path.join(dir, 'tune', 'quadratic.hyperbo.yaml'), HEAD + prior + TRIALS + tail('ok'));
      const related = path.join(dir, 'other', 'related.hyperbo.yaml');
      writeFileSync(related, relatedText(RELATED_TRIALS));
      writeFileSync(path.join(dir, 'data', 'task-a.json'), taskFile('task-a'));
      return { dir, tuneDir: path.join(dir, 'tune'), related, cache: path.join(dir, '.hyperbo', 'priors') };
    }
    const priorFiles = (cache: string) => readdirSync(cache).filter((f) => f.endsWith('.json') && !f.endsWith('.sources.json')).sort();
    const dryRun = (w: { dir: string; tuneDir: string }) => runCli(['tune', 'quadratic.hyperbo.yaml', '--dry-run', '--trials', '1', '--workspace', w.dir], w.tuneDir);

    it('pre-trains on the related experiment\'s completed trials and the data file; the prior and its sidecar name both', () => {
      const w = workspace('prior:\n  from: [../other/*.hyperbo.yaml, ../data/*.json]\n  objective: nll\n');
      const r = dryRun(w);
      assert.equal(r.status, 0, r.stderr);
      // 6 completed trials (the failed and the running one left out) + the 25-point task.
      assert.match(r.stdout, /^Prior: pre-trained on 2 tasks \(31 points\) with NLL in \S+ s$/m);
      const [file] = priorFiles(w.cache);
      const key = file!.replace(/\.json$/, '');
      assert.match(r.stdout, new RegExp(`^Saved the prior to \\.\\./\\.hyperbo/priors/${key}\\.json\\.$`, 'm'));
      const prior = parsePrior(readFileSync(path.join(w.cache, file!), 'utf8')).file;
      assert.deepEqual(prior.training.tasks, [{ name: 'related-run', points: 6 }, { name: 'task-a', points: 25 }]);
      assert.deepEqual(prior.training.sources, ['other/related.hyperbo.yaml', 'data/task-a.json']);
      assert.equal(prior.training.dataHash, key);
      const sidecar = JSON.parse(readFileSync(path.join(w.cache, `${key}.sources.json`), 'utf8')) as { key: string; taskSources: Record<string, string> };
      assert.deepEqual(sidecar, { key, taskSources: { 'related-run': 'other/related.hyperbo.yaml', 'task-a': 'task-a.json' }, skipped: [] });

      // The same files again: the cached prior. A new completed trial in the related experiment: a new key, trained again.
      const again = dryRun(w);
      assert.match(again.stdout, new RegExp(`^Prior: cached prior \\.\\./\\.hyperbo/priors/${key}\\.json$`, 'm'));
      writeFileSync(w.related, relatedText([...RELATED_TRIALS, relatedTrial(9, 0.05, 0.45)]));
      const grown = dryRun(w);
      assert.equal(grown.status, 0, grown.stderr);
      assert.match(grown.stdout, /^Prior: pre-trained on 2 tasks \(32 points\) with NLL/m);
      assert.equal(priorFiles(w.cache).length, 2);
    });

    it('a related experiment alone is enough; one with errors is left out with a warning, and only unusable files are an error', () => {
      const w = workspace('prior: { from: [../other/*.hyperbo.yaml] }\n');
      writeFileSync(path.join(w.dir, 'other', 'broken.hyperbo.yaml'), HEAD.replace('low: 0, high: 1', 'low: 1, high: 0') + 'trials: []\n');
      const r = dryRun(w);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Prior: pre-trained on 1 task \(6 points\) with NLL/m);
      assert.match(r.stderr, /prior\.from: \.\.\/other\/broken\.hyperbo\.yaml is left out: it has errors \(line 9: .*low/);

      writeFileSync(w.related, relatedText(RELATED_TRIALS).replace('low: 0, high: 1', 'low: 1, high: 0'));
      const none = dryRun(w);
      assert.equal(none.status, 1);
      assert.match(none.stderr, /prior\.from \(\.\.\/other\/\*\.hyperbo\.yaml\) matches no usable experiment or data file next to quadratic\.hyperbo\.yaml: broken\.hyperbo\.yaml: it has errors/);
    });

    it('says where the search space reaches past the prior\'s training data, when pre-trained and when cached', () => {
      const w = workspace('prior: { from: [../other/*.hyperbo.yaml] }\n');
      // The related run measured lr only in [0.001, 0.01] of [1e-4, 1]; mom over its whole range.
      writeFileSync(w.related, relatedText([relatedTrial(1, 0.001, 0), relatedTrial(2, 0.003, 0.5), relatedTrial(3, 0.01, 1)]));
      const expected =
        /^Prior coverage: No training task of the prior measured lr below 0\.001 or above 0\.01 \(the search space: 1e-4 to 1\): the prior extrapolates there\. Narrow the range, or add data that reach it to prior\.from\.$/m;
      const trained = dryRun(w);
      assert.equal(trained.status, 0, trained.stderr);
      assert.match(trained.stdout, expected);
      assert.doesNotMatch(trained.stdout, /measured mom/);
      const cached = dryRun(w);
      assert.match(cached.stdout, /^Prior: cached prior/m);
      assert.match(cached.stdout, expected);
      // Data over the whole space: no such line.
      writeFileSync(w.related, relatedText(RELATED_TRIALS));
      assert.doesNotMatch(dryRun(w).stdout, /Prior coverage/);
    });

    it('--workspace must be a folder', () => {
      const w = workspace('prior: { from: [../other/*.hyperbo.yaml] }\n');
      const r = runCli(['tune', 'quadratic.hyperbo.yaml', '--dry-run', '--workspace', 'no-such-folder'], w.tuneDir);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /--workspace no-such-folder: not a folder\. Give the folder the editor has open\./);
      assert.equal(existsSync(w.cache), false);
    });

    it('prior.mean and prior.kernel from the experiment shape the pre-trained model', () => {
      const chosen = workspace('prior:\n  from: [../other/*.hyperbo.yaml, ../data/*.json]\n  mean: linear\n  kernel: se\n');
      assert.equal(dryRun(chosen).status, 0);
      const spec = parsePrior(readFileSync(path.join(chosen.cache, priorFiles(chosen.cache)[0]!), 'utf8')).spec;
      assert.deepEqual([spec.mean, spec.kernel, spec.kernelOnFeatures], ['linear', 'se', false]);

      const onFeatures = workspace('prior:\n  from: [../other/*.hyperbo.yaml, ../data/*.json]\n  kernel: matern32-mlp\n');
      assert.equal(dryRun(onFeatures).status, 0);
      const mlp = parsePrior(readFileSync(path.join(onFeatures.cache, priorFiles(onFeatures.cache)[0]!), 'utf8')).spec;
      assert.deepEqual([mlp.mean, mlp.kernel, mlp.kernelOnFeatures, mlp.mlp], ['constant', 'matern32', true, [8, 8]]);

      // Without them the engine picks its small-data default, which differs from both.
      const auto = workspace('prior:\n  from: [../other/*.hyperbo.yaml, ../data/*.json]\n');
      assert.equal(dryRun(auto).status, 0);
      const fallback = parsePrior(readFileSync(path.join(auto.cache, priorFiles(auto.cache)[0]!), 'utf8')).spec;
      assert.deepEqual([fallback.mean, fallback.kernel, fallback.kernelOnFeatures], ['constant', 'matern52', false]);
    });
  });

  it('the README\'s example experiment: --dry-run pre-trains on the 15 other pd1-mini tasks and prints the suggestions', () => {
    // A pristine copy (whatever trials a tuning session appended to examples/) with data/ beside it for ../data; the
    // prior cache then stays out of the repository.
    const copy = path.join(root, 'example');
    copyExampleWorkspace(path.join(copy, 'examples'));
    const file = path.join(copy, 'examples', 'digits-mlp.hyperbo.yaml');
    const before = readFileSync(file, 'utf8');
    const r = runCli(['tune', 'examples/digits-mlp.hyperbo.yaml', '--trials', '3', '--dry-run'], copy);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Prior: pre-trained on 15 tasks \(\d+ points, \d+ rows skipped\) with (EKL|NLL)/m);
    const rows = tableRows(r.stdout, ['learning_rate', 'one_minus_momentum', 'lr_decay_power', 'lr_decay_steps_factor']);
    assert.deepEqual(rows.map((x) => x.id), [1, 2, 3]);
    for (const x of rows) {
      assert.ok(x.params.learning_rate! >= 1e-5 && x.params.learning_rate! <= 10);
      const m = /^(\S+)±(\S+)$/.exec(x.predicted);
      assert.ok(m && Number(m[1]) > 0 && Number(m[1]) < 1, `a predicted error rate: ${x.predicted}`);
    }
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('the README\'s example runs a real trial in a copy outside the repository: `hyperbo` in its command is this CLI', function () {
    this.timeout(180_000);
    // Same copy as the dry run above (its prior is cached there). Nothing named hyperbo is installed on this PATH.
    const copy = path.join(root, 'example');
    if (!existsSync(copy)) copyExampleWorkspace(path.join(copy, 'examples'));
    const file = path.join(copy, 'examples', 'digits-mlp.hyperbo.yaml');
    const r = runCli(['tune', 'examples/digits-mlp.hyperbo.yaml', '--trials', '1'], copy, 170_000);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const [trial] = parseExperiment(readFileSync(file, 'utf8')).experiment!.trials;
    assert.equal(trial!.status, 'completed', JSON.stringify(trial));
    assert.ok(trial!.value! >= 0 && trial!.value! < 1, `an error rate: ${trial!.value}`);
    assert.match(readFileSync(path.join(copy, 'examples', 'runs', '1', 'metrics.jsonl'), 'utf8'), /valid\/error_rate/);
  });

  describe('errors and limits', () => {
    it('a missing file, an invalid experiment, bad options: non-zero exit and a message to act on', () => {
      const exp = experiment(HEAD.replace('low: 0, high: 1', 'low: 1, high: 0') + TRIALS + tail('ok'));
      const invalid = tune(exp.dir, '--trials', '1');
      assert.equal(invalid.status, 1);
      assert.match(invalid.stderr, /quadratic\.hyperbo\.yaml:9:\d+: .*low/);
      const missing = runCli(['tune', 'nope.hyperbo.yaml'], exp.dir);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /nope\.hyperbo\.yaml: cannot read: .*no such file/);
      const unknown = tune(exp.dir, '--dryrun');
      assert.equal(unknown.status, 2);
      assert.equal(unknown.stderr, 'hyperbo: Unknown option --dryrun; did you mean --dry-run?\n');
      const zero = tune(exp.dir, '--trials', '0');
      assert.equal(zero.status, 2);
      assert.match(zero.stderr, /--trials must be an integer >= 1, got "0"/);
      const none = runCli(['tune'], exp.dir);
      assert.equal(none.status, 2);
      assert.match(none.stderr, /Missing the experiment file/);
    });

    it('runs the trials left in the budget by default, then stops at the budget', () => {
      const exp = experiment(HEAD + 'budget: 2\n' + TRIALS + tail('ok'));
      const r = tune(exp.dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(exp.trials().length, 2);
      const before = exp.read();
      const done = tune(exp.dir);
      assert.equal(done.status, 0, done.stderr);
      assert.match(done.stdout, /The budget of 2 trials is used up \(2 recorded\); raise budget: in quadratic\.hyperbo\.yaml to run more\./);
      assert.equal(exp.read(), before);
      const more = tune(exp.dir, '--trials', '1');
      assert.equal(more.status, 0, more.stderr);
      assert.match(more.stdout, /The budget of 2 trials is used up \(2 recorded\); raise budget: in quadratic\.hyperbo\.yaml to run more\./);
      assert.equal(exp.read(), before, '--trials does not go past the budget');
    });

    it('--trials larger than what is left of the budget runs only what is left, and says so', () => {
      const exp = experiment(HEAD + 'budget: 3\n' + TRIALS + tail('ok'));
      assert.equal(tune(exp.dir, '--trials', '1').status, 0);
      const r = tune(exp.dir, '--trials', '5');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /--trials 5 is more than the 2 left in the budget of 3 \(1 recorded\): running 2; raise budget: in quadratic\.hyperbo\.yaml to run more\./);
      assert.equal(exp.trials().length, 3);
      assert.equal(tune(exp.dir, '--trials', '2', '--dry-run').status, 0, 'a dry run runs nothing, so it may look past the budget');
    });

    it('stops after 3 failed trials in a row, saying why', () => {
      const exp = experiment(HEAD + TRIALS + tail('crash'));
      const r = tune(exp.dir, '--trials', '6');
      assert.equal(r.status, 1);
      assert.equal(exp.trials().length, 3);
      assert.match(r.stderr, /^Stopped after 3 failed trials in a row: the command itself probably fails\. The last one's reason: The command exited with code 3\. Last output: .*out of memory/m);
      assert.match(r.stderr, /^Fix the command \(run it by hand from /m);
    });

    it('Ctrl-C stops the running trial, records it as failed and ends the session', async () => {
      const exp = experiment(HEAD + TRIALS + tail('sleep'));
      const started = Date.now();
      const { child, done } = startCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '3'], exp.dir);
      while (!exp.read().includes('status: running')) {
        if (Date.now() - started > 30_000) throw new Error('the trial never started');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill('SIGINT');
      const r = await done;
      assert.equal(r.status, 130, r.stderr);
      assert.ok(Date.now() - started < 20_000, 'the sleeping trial was stopped, not waited for');
      const trials = exp.trials();
      assert.equal(trials.length, 1, 'no further trial started');
      assert.equal(trials[0]!.status, 'failed');
      assert.equal(trials[0]!.reason, 'interrupted (Ctrl-C)');
      assert.match(r.stderr, /^trial 1 failed: interrupted \(Ctrl-C\)$/m);
    });
  });
});
