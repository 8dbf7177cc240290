// The Python example (examples/sklearn-digits) end to end: `hyperbo tune` runs the real train.py with scikit-learn
// in a copy of the folder, and train.py on its own diverges and refuses bad arguments as its README says.
// It needs a Python 3 that can import scikit-learn. CI installs Debian's python3-sklearn for /usr/bin/python3
// (.ci/install-vscode-tools.sh), so it runs there; on a machine without one the suite is skipped, saying why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { assessValues } from '../../../src/formats/curve';
import { parseExperiment, type Experiment } from '../../../src/formats/experiment';
import { parseLog } from '../../../src/formats/logs';
import { copyExampleFolder } from '../../exampleCopy';
import { ROOT, runCli } from './harness';

const EXAMPLE = path.join(ROOT, 'examples', 'sklearn-digits');
const EXPERIMENT = 'sklearn-digits.hyperbo.yaml';
const EPOCHS = 20; // the --epochs the experiment's command passes
const EPOCH_LINE = /^epoch=(\d+) train_loss=(\S+) valid_error=(\S+)$/;

/** The first interpreter that imports scikit-learn: Debian's first (`python3` on PATH may be another one). */
function pythonWithSklearn(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3', 'python']) {
    const r = spawnSync(candidate, ['-c', 'import sklearn'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return candidate;
  }
  return undefined;
}

function parseFile(file: string): Experiment {
  const parsed = parseExperiment(readFileSync(file, 'utf8'), { fileName: file });
  assert.ok(parsed.ok, JSON.stringify(parsed.diagnostics));
  assert.deepEqual(parsed.diagnostics, [], 'no errors and no warnings');
  return parsed.experiment!;
}

/** The epoch lines of a train.py log, read with a regex of its own (not the project's log parser). */
function epochLines(text: string): { epoch: number; trainLoss: number; validError: number }[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const m = EPOCH_LINE.exec(line);
      assert.ok(m, `an epoch line: ${JSON.stringify(line)}`);
      return { epoch: Number(m[1]), trainLoss: Number(m[2]), validError: Number(m[3]) };
    });
}

describe('examples/sklearn-digits (scikit-learn MLP tuned by hyperbo tune)', function () {
  this.timeout(120_000);

  it('the experiment file parses with no errors or warnings and tunes six hyperparameters (one categorical) without a prior', () => {
    const e = parseFile(path.join(EXAMPLE, EXPERIMENT));
    assert.deepEqual(e.searchSpace.map((p) => p.name), ['learning_rate', 'momentum', 'alpha', 'batch_size', 'hidden', 'activation']);
    assert.deepEqual([e.objective.metric, e.objective.goal, e.objective.reduce], ['valid_error', 'minimize', 'min']);
    assert.equal(e.prior, undefined);
    assert.equal(e.run?.command[0], 'python3');
    assert.equal(e.run?.log, 'runs/${trial}/train.log');
    assert.deepEqual(e.trials, []);
  });

  describe('with a Python that has scikit-learn', function () {
    let python: string;
    let dir: string;
    const train = (args: readonly string[], options: { env?: NodeJS.ProcessEnv; flags?: readonly string[] } = {}) =>
      spawnSync(python, [...(options.flags ?? []), 'train.py', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: options.env });

    before(function () {
      const found = pythonWithSklearn();
      if (!found) {
        // Mocha lists the tests as pending; their titles say why.
        for (const t of this.test!.parent!.tests) t.title += ' [skipped: no python3 here imports sklearn; apt-get install python3-sklearn]';
        this.skip();
      }
      python = found;
      dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-sklearn-example-'));
      copyExampleFolder('sklearn-digits', dir); // pristine: no trials or runs/ a session left there
      // Point the command at the interpreter found, as the README tells users to when python3 lacks scikit-learn.
      const file = path.join(dir, EXPERIMENT);
      const text = readFileSync(file, 'utf8');
      const rewritten = text.replace('command: [python3, ', `command: [${JSON.stringify(python)}, `);
      assert.notEqual(rewritten, text, 'the example\'s command starts with python3');
      writeFileSync(file, rewritten);
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    it('hyperbo tune --trials 3 runs train.py three times and records each best validation error from its log', () => {
      const r = runCli(['tune', EXPERIMENT, '--trials', '3'], dir, 120_000);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^Prior: no prior\.from: a GP fitted to this experiment alone$/m);
      const e = parseFile(path.join(dir, EXPERIMENT));
      assert.deepEqual(e.trials.map((t) => [t.id, t.status]), [[1, 'completed'], [2, 'completed'], [3, 'completed']], r.stderr);
      for (const t of e.trials) {
        assert.ok(t.value! > 0 && t.value! < 0.5, `trial ${t.id}: a plausible error rate, got ${t.value}`);
        for (const p of e.searchSpace) {
          const v = t.params[p.name]!;
          const inside = p.type === 'categorical' ? p.choices.includes(v) : typeof v === 'number' && v >= p.low && v <= p.high;
          assert.ok(inside, `trial ${t.id}: ${p.name}=${v} in the space`);
        }
        assert.equal(t.log, `runs/${t.id}/train.log`);
        const logFile = path.join(dir, t.log);
        assert.ok(existsSync(logFile), `${t.log} exists`);
        const lines = epochLines(readFileSync(logFile, 'utf8'));
        assert.deepEqual(lines.map((l) => l.epoch), Array.from({ length: EPOCHS }, (_, i) => i + 1));
        for (const l of lines) assert.ok(Number.isFinite(l.trainLoss) && l.validError >= 0 && l.validError <= 1, JSON.stringify(l));
        // reduce: min — the value is the best epoch's validation error.
        const best = Math.min(...lines.map((l) => l.validError));
        assert.ok(Math.abs(t.value! - best) < 1e-12, `trial ${t.id}: recorded ${t.value}, log's best ${best}`);
      }
      assert.equal(new Set(e.trials.map((t) => JSON.stringify(t.params))).size, 3, 'three different configurations');

      const best = e.trials.reduce((a, b) => (b.value! < a.value! ? b : a));
      const printed = /^Best valid_error = (\S+) \(trial (\d+)\) with (.+)$/m.exec(r.stdout);
      assert.ok(printed, r.stdout);
      assert.equal(Number(printed[2]), best.id);
      assert.ok(Math.abs(Number(printed[1]) - best.value!) <= 5e-4 * best.value!, `printed ${printed[1]}, file ${best.value}`);
      const printedParams = Object.fromEntries(printed[3]!.split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, k === 'activation' ? v : Number(v)]));
      assert.deepEqual(printedParams, best.params);
    });

    it('train.py with a huge learning rate logs nan and stops, which the log reader calls diverged', () => {
      const log = path.join(dir, 'runs', 'huge-lr', 'train.log');
      const r = train(['--learning-rate', '100', '--momentum', '0.99', '--epochs', String(EPOCHS), '--log', log]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^Diverged at epoch \d+: the training loss is no longer finite/m);
      const lines = epochLines(readFileSync(log, 'utf8'));
      assert.ok(lines.length < EPOCHS, 'it stopped early');
      const last = lines.at(-1)!;
      assert.ok(Number.isNaN(last.trainLoss) && Number.isNaN(last.validError), JSON.stringify(last));
      assert.equal(r.stdout.trim().split('\n').at(-1), `epoch=${last.epoch} train_loss=nan valid_error=nan`, 'stdout echoes the log');
      // The same log as hyperbo reads it: nan is understood, and the loss curve is diverged.
      const records = parseLog(readFileSync(log, 'utf8')).records;
      assert.deepEqual(records.map((x) => x.step), lines.map((l) => l.epoch));
      const outcome = assessValues(records.map((x) => x.metrics.train_loss!), 'min');
      assert.equal(outcome.status, 'diverged');
      // Deterministic: the same arguments give the same log.
      const again = path.join(dir, 'runs', 'huge-lr-again', 'train.log');
      assert.equal(train(['--learning-rate', '100', '--momentum', '0.99', '--epochs', String(EPOCHS), '--log', again]).status, 0);
      assert.equal(readFileSync(again, 'utf8'), readFileSync(log, 'utf8'));
    });

    it('train.py refuses bad arguments with a message and a non-zero exit', () => {
      const cases: [string[], number, RegExp][] = [
        [['--learning-rate', '-1'], 2, /argument --learning-rate: must be > 0, got -1/],
        [['--momentum', '1'], 2, /argument --momentum: must be in \[0, 1\), got 1/],
        [['--batch-size', 'lots'], 2, /argument --batch-size: expected an integer, got 'lots'/],
        [['--learning-rate', 'nan'], 2, /argument --learning-rate: expected a finite number, got 'nan'/],
        [['--epochs', '3', '--no-such-flag'], 2, /unrecognized arguments: --no-such-flag/],
        [['--batch-size', '5000'], 1, /--batch-size 5000 is larger than the training set \(1257 images\)/],
      ];
      for (const [args, status, message] of cases) {
        const r = train(args);
        assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
        assert.equal(r.stdout, '', 'nothing trained');
      }
    });

    it('train.py without scikit-learn says how to install it', () => {
      // -S leaves out site-packages and dist-packages, where scikit-learn is installed: a real failed import.
      const env = { ...process.env };
      delete env.PYTHONPATH;
      const r = train(['--epochs', '1'], { flags: ['-S'], env });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^train\.py needs scikit-learn: apt-get install python3-sklearn or pip install scikit-learn, or run it with a Python that has it \(\S+ cannot import \w+\)\.$/m);
      assert.equal(r.stdout, '');
    });
  });
});
