// `hyperbo pretrain` run as a child process on small real PD1-style data (rows of data/pd1-mini).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parsePrior, PD1_PARAM_NAMES, PRIOR_FORMAT, PRIOR_FORMAT_VERSION, type PriorFile } from '../../../src/engine';
import { METRIC, pd1Rows, runCli, writeJsonl, type Pd1Row } from './harness';

// Two batch sizes of one (dataset, model) and another data set: three tasks.
const TASKS = ['digits/mlp-relu-32/128', 'digits/mlp-relu-32/16', 'cars/mlp-relu-32/128'];
const PER_TASK = 12;

describe('hyperbo pretrain (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  let rows: Pd1Row[];
  const readPrior = (name: string): PriorFile => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as PriorFile;
  const pretrain = (...args: string[]) => runCli(['pretrain', '--objective', 'ekl', ...args], dir);

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-cli-pretrain-'));
    rows = pd1Rows(TASKS, PER_TASK);
    writeJsonl(path.join(dir, 'tasks.jsonl'), rows);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a versioned prior whose metadata names the metric, the tasks and the source', () => {
    const r = pretrain('--data', 'tasks.jsonl', '--metric', METRIC, '--out', 'prior.json');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`Loaded 3 tasks, ${3 * PER_TASK} points \\(0 rows skipped`));
    assert.match(r.stderr, /with EKL on 3 tasks and 1 matched group/);
    assert.match(r.stderr, /Wrote prior\.json\./);
    const text = readFileSync(path.join(dir, 'prior.json'), 'utf8');
    const loaded = parsePrior(text); // the engine's own validation accepts it
    const prior = loaded.file;
    assert.equal(prior.format, PRIOR_FORMAT);
    assert.equal(prior.version, PRIOR_FORMAT_VERSION);
    assert.equal(prior.training.metric, METRIC);
    assert.equal(prior.training.objective, 'ekl');
    assert.deepEqual(prior.training.sources, ['tasks.jsonl']);
    // The training tasks' data for a study's first pick, as the editor's priors carry it.
    assert.equal(prior.transfer?.tasks.length, 3);
    assert.ok(loaded.transfer && loaded.transfer.length === 3);
    assert.deepEqual(
      prior.training.tasks.map((t) => [t.name, t.points]),
      [...TASKS].sort().map((t) => [t, PER_TASK]),
    );
    assert.deepEqual(prior.training.matchedGroups, [{ points: PER_TASK, tasks: 3 }]);
    assert.match(prior.training.dataHash ?? '', /^[0-9a-f]{16}$/);
    assert.deepEqual(prior.space.map((p) => p.name), [...PD1_PARAM_NAMES]);
    assert.equal(prior.output.goal, 'minimize');
    assert.equal(prior.output.warp, 'log'); // the paper's rule for PD1 error rates
    assert.ok(prior.theta.every(Number.isFinite) && prior.theta.length > 0);
  });

  it('--objective auto pre-trains by NLL on tasks that share points, and does not claim their matched groups', () => {
    const r = runCli(['pretrain', '--data', 'tasks.jsonl', '--metric', METRIC, '--out', 'prior-auto.json'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /with NLL on 3 tasks: /);
    assert.doesNotMatch(r.stderr, /matched group/);
    assert.equal(readPrior('prior-auto.json').training.objective, 'nll');
  });

  it('a folder named by --data is listed inside itself: a link to / is not followed, a loop lists a file once', () => {
    const folder = path.join(dir, 'runs');
    mkdirSync(path.join(folder, 'a'), { recursive: true });
    writeJsonl(path.join(folder, 'a', 'tasks.jsonl'), rows);
    symlinkSync('/', path.join(folder, 'root-link'));
    symlinkSync('..', path.join(folder, 'a', 'loop'));
    const r = pretrain('--data', 'runs', '--metric', METRIC, '--out', 'folder-prior.json');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /--data runs: "runs": 1 link\(s\) pointing outside the workspace folders not followed/);
    // Each row once: the loop does not read tasks.jsonl again.
    assert.match(r.stderr, new RegExp(`Loaded 3 tasks, ${3 * PER_TASK} points`));
    assert.deepEqual(readPrior('folder-prior.json').training.tasks.map((t) => t.points), [PER_TASK, PER_TASK, PER_TASK]);
  });

  it('skips and counts rows whose metric is missing or not finite, and keeps the rest', () => {
    const extra: Pd1Row = { ...rows[0]!, 'hps.lr_hparams.initial_value': 0.5 };
    const withoutMetric = { ...extra };
    delete withoutMetric[METRIC];
    const lines = [
      // Python's json.dumps writes NaN and Infinity for diverged runs.
      JSON.stringify({ ...extra, [METRIC]: 0 }).replace(`"${METRIC}":0`, `"${METRIC}":NaN`),
      JSON.stringify({ ...extra, [METRIC]: 0 }).replace(`"${METRIC}":0`, `"${METRIC}":Infinity`),
      JSON.stringify({ ...extra, [METRIC]: null }),
      JSON.stringify(withoutMetric),
    ];
    writeJsonl(path.join(dir, 'with-bad-rows.jsonl'), rows, lines);
    const r = pretrain('--data', 'with-bad-rows.jsonl', '--metric', METRIC, '--out', 'prior-skipped.json');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`Loaded 3 tasks, ${3 * PER_TASK} points \\(4 rows skipped`));
    const prior = readPrior('prior-skipped.json');
    assert.deepEqual(prior.training.tasks.map((t) => t.points), [PER_TASK, PER_TASK, PER_TASK]);
  });

  it('reads .jsonl.gz exactly like .jsonl, and tasks split over several files', () => {
    writeJsonl(path.join(dir, 'tasks.jsonl.gz'), rows);
    writeJsonl(path.join(dir, 'part-a.jsonl'), rows.slice(0, PER_TASK));
    writeJsonl(path.join(dir, 'part-b.jsonl.gz'), rows.slice(PER_TASK));
    for (const [out, data] of [
      ['plain.json', ['tasks.jsonl']],
      ['gz.json', ['tasks.jsonl.gz']],
      ['split.json', ['part-a.jsonl', 'part-b.jsonl.gz']],
    ] as const) {
      const r = pretrain(...data.flatMap((f) => ['--data', f]), '--metric', METRIC, '--out', out);
      assert.equal(r.status, 0, r.stderr);
    }
    const plain = readPrior('plain.json');
    for (const other of [readPrior('gz.json'), readPrior('split.json')]) {
      assert.deepEqual(other.training.tasks, plain.training.tasks);
      assert.deepEqual(other.theta, plain.theta, 'the same rows and seed give the same prior');
    }
    assert.deepEqual(readPrior('split.json').training.sources, ['part-a.jsonl', 'part-b.jsonl.gz']);
    // A quoted glob is expanded by hyperbo itself, as bench's --data is; one that matches nothing says so.
    const globbed = pretrain('--data', 'part-*.jsonl*', '--metric', METRIC, '--out', 'glob.json');
    assert.equal(globbed.status, 0, globbed.stderr);
    assert.deepEqual(readPrior('glob.json').theta, plain.theta);
    const none = pretrain('--data', 'nothing-*.jsonl', '--metric', METRIC, '--out', 'none.json');
    assert.equal(none.status, 1);
    assert.match(none.stderr, /No files match nothing-\*\.jsonl\./);
  });

  it('accepts --goal maximize for a metric to maximise', () => {
    const accuracy = rows.map((row) => ({ ...row, 'best_valid/accuracy': 1 - Number(row[METRIC]) }));
    writeJsonl(path.join(dir, 'accuracy.jsonl'), accuracy);
    const r = pretrain('--data', 'accuracy.jsonl', '--metric', 'best_valid/accuracy', '--goal', 'maximize', '--out', 'prior-max.json');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /metric best_valid\/accuracy \(maximize\)/);
    const prior = readPrior('prior-max.json');
    assert.equal(prior.output.goal, 'maximize');
    assert.equal(prior.training.metric, 'best_valid/accuracy');
    assert.deepEqual(prior.training.tasks.map((t) => t.points), [PER_TASK, PER_TASK, PER_TASK]);
  });

  describe('bad input: a non-zero exit, a message saying what to fix, and no prior written', () => {
    const expectFailure = (args: string[], status: number, message: RegExp) => {
      const out = `bad-${Math.random().toString(36).slice(2)}.json`;
      const r = pretrain(...args, '--out', out);
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /unexpected error|at .*\.ts:\d+/, 'no stack trace');
      assert.equal(r.stdout, '');
      assert.equal(existsSync(path.join(dir, out)), false);
    };

    it('a data file that does not exist', () => {
      expectFailure(['--data', 'missing.jsonl', '--metric', METRIC], 1, /^hyperbo: Cannot read missing\.jsonl: .*no such file/m);
      // Any kind of file: a missing Optuna storage was reported as 'not a mix' of formats.
      expectFailure(['--data', 'missing-optuna.db', 'missing-journal.log', '--metric', 'value'], 1, /^hyperbo: Cannot read missing-optuna\.db: .*no such file/m);
    });

    it('a metric no row has', () => {
      expectFailure(['--data', 'tasks.jsonl', '--metric', 'best_valid/eror_rate'], 1, /No row of tasks\.jsonl has a finite "best_valid\/eror_rate" \(36 rows skipped\)\. Check --metric; did you mean "best_valid\/error_rate"\? The rows' metrics: .*best_valid\/error_rate.*\./);
    });

    it('a malformed JSON line, named by its line number', () => {
      const lines = readFileSync(path.join(dir, 'tasks.jsonl'), 'utf8').split('\n');
      lines.splice(2, 0, '{"dataset": "digits", "model": ');
      writeFileSync(path.join(dir, 'malformed.jsonl'), lines.join('\n'));
      expectFailure(['--data', 'malformed.jsonl', '--metric', METRIC], 1, /malformed\.jsonl:3: not valid JSON/);
    });

    it('no --data, no --metric, an unknown option or a bad --goal/--objective, with the usage', () => {
      expectFailure(['--metric', METRIC], 2, /Missing --data\.[\s\S]*Usage: hyperbo pretrain/);
      expectFailure(['--data', 'tasks.jsonl'], 2, /Missing --metric\./);
      expectFailure(['--data', 'tasks.jsonl', '--metric', METRIC, '--bogus'], 2, /Unknown option --bogus\.\n\nUsage: hyperbo pretrain/);
      expectFailure(['--data', 'tasks.jsonl', '--metric', METRIC, '--goal', 'up'], 2, /--goal must be one of minimize, maximize; got "up"/);
      expectFailure(['--data', 'tasks.jsonl', '--metric', METRIC, '--objective', 'mle'], 2, /--objective must be one of nll, ekl, nll\+ekl, auto; got "mle"/);
    });

    it('data that is not gzip though named .gz, and mixed kinds of files', () => {
      writeFileSync(path.join(dir, 'fake.jsonl.gz'), readFileSync(path.join(dir, 'tasks.jsonl')));
      expectFailure(['--data', 'fake.jsonl.gz', '--metric', METRIC], 1, /Cannot read fake\.jsonl\.gz: incorrect header check/);
      writeFileSync(path.join(dir, 'other.json'), '{}');
      expectFailure(['--data', 'tasks.jsonl', '--data', 'other.json', '--metric', METRIC], 1, /Give either PD1 data \(\.jsonl or \.jsonl\.gz\) or task files \(\.json\), not a mix/);
    });
  });

  it('creates the folder of --out, and says so when it cannot write there', () => {
    const ok = pretrain('--data', 'tasks.jsonl', '--metric', METRIC, '--out', 'priors/new/prior.json');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(readPrior('priors/new/prior.json').training.metric, METRIC);
    const r = pretrain('--data', 'tasks.jsonl', '--metric', METRIC, '--out', 'tasks.jsonl/prior.json');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^hyperbo: Cannot write the prior to tasks\.jsonl\/prior\.json: .*Choose another --out\./m);
    assert.doesNotMatch(r.stderr, /unexpected error/);
  });
});
