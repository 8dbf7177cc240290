// `hyperbo suggest` run as a child process with a prior pre-trained (by the CLI) on rows of data/pd1-mini.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PD1_SPACE_PARAMS } from '../../../src/engine';
import { jsonLines, METRIC, pd1Rows, runCli, writeJsonl } from './harness';

type Line = { params: Record<string, number>; predicted: number; sd: number; acquisition: number };

describe('hyperbo suggest (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  const suggest = (...args: string[]) => runCli(['suggest', '--prior', 'prior.json', ...args], dir);
  const suggestions = (...args: string[]): Line[] => {
    const r = suggest(...args);
    assert.equal(r.status, 0, r.stderr);
    return jsonLines(r.stdout) as unknown as Line[];
  };
  const observe = (name: string, rows: object[]) => writeFileSync(path.join(dir, name), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-cli-suggest-'));
    writeJsonl(path.join(dir, 'tasks.jsonl'), pd1Rows(['digits/mlp-relu-32/128', 'breast_cancer/mlp-relu-32/128'], 12));
    const r = runCli(['pretrain', '--data', 'tasks.jsonl', '--metric', METRIC, '--objective', 'ekl', '--out', 'prior.json'], dir);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints exactly K JSON lines, each a full configuration inside the PD1 bounds with a finite prediction', () => {
    const lines = suggestions('--n', '4');
    assert.equal(lines.length, 4);
    for (const line of lines) {
      assert.deepEqual(Object.keys(line.params).sort(), PD1_SPACE_PARAMS.map((p) => p.name).sort());
      for (const p of PD1_SPACE_PARAMS) {
        if (p.type === 'categorical') continue;
        const v = line.params[p.name]!;
        assert.ok(v >= p.low && v <= p.high, `${p.name} = ${v} outside [${p.low}, ${p.high}]`);
      }
      assert.ok(Number.isFinite(line.predicted) && line.predicted > 0, `predicted error rate ${line.predicted}`);
      assert.ok(line.sd > 0 && Number.isFinite(line.acquisition));
    }
    // A batch (kriging believer) never repeats a configuration.
    assert.equal(new Set(lines.map((l) => JSON.stringify(l.params))).size, 4);
    assert.equal(suggestions().length, 1, '--n defaults to 1');
  });

  it('is deterministic for a seed, and a batch starts with the single suggestion', () => {
    const a = suggest('--n', '3', '--seed', '5');
    const b = suggest('--n', '3', '--seed', '5');
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    const single = suggestions('--n', '1', '--seed', '5');
    assert.deepEqual(single[0], jsonLines(a.stdout)[0]);
  });

  it('accounts for observations: a diverged point is left, observed values change the batch', () => {
    const [first] = suggestions();
    // Told that the first suggestion diverged, the model moves away from it.
    observe('diverged.jsonl', [{ params: first!.params, status: 'diverged' }]);
    const [afterDiverged] = suggestions('--observations', 'diverged.jsonl');
    assert.notDeepEqual(afterDiverged!.params, first!.params);

    // Observed values: the next suggestions differ, and a batch avoids the observed points.
    const observed = [
      { params: { learning_rate: 0.1, one_minus_momentum: 0.1, lr_decay_power: 1, lr_decay_steps_factor: 0.8 }, value: 0.04 },
      { params: { learning_rate: 0.001, one_minus_momentum: 0.5, lr_decay_power: 0.5, lr_decay_steps_factor: 0.3 }, value: 0.6 },
      { params: { learning_rate: 3, one_minus_momentum: 0.01, lr_decay_power: 2, lr_decay_steps_factor: 0.9 }, value: 'NaN' },
    ];
    observe('obs.jsonl', observed);
    const withObs = suggestions('--observations', 'obs.jsonl', '--n', '3');
    const without = suggestions('--n', '3');
    assert.notDeepEqual(withObs.map((l) => l.params), without.map((l) => l.params));
    for (const l of withObs) assert.ok(!observed.some((o) => JSON.stringify(o.params) === JSON.stringify(l.params)));
  });

  it('an absurd observed value (an error rate of 1e300) counts as a diverged run under the prior file\'s tails rule', () => {
    const point = (i: number) => ({ learning_rate: 10 ** (-3 + i / 3), one_minus_momentum: 0.05 + i / 10, lr_decay_power: 0.5 + i / 8, lr_decay_steps_factor: 0.2 + i / 12 });
    const results = Array.from({ length: 8 }, (_, i) => ({ params: point(i), value: 0.05 + 0.01 * i }));
    observe('absurd.jsonl', [...results, { params: point(8), value: 1e300 }]);
    observe('as-diverged.jsonl', [...results, { params: point(8), status: 'diverged' }]);
    const absurd = suggestions('--observations', 'absurd.jsonl', '--n', '2');
    assert.deepEqual(absurd, suggestions('--observations', 'as-diverged.jsonl', '--n', '2'));
  });

  it('an observations file that does not exist yet means no trials, and says so', () => {
    const r = suggest('--observations', 'not-yet.jsonl', '--n', '2');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /not-yet\.jsonl does not exist yet: suggesting with no observations/);
    assert.equal(r.stdout, suggest('--n', '2').stdout);
  });

  it('warns about observations it cannot use or that lie outside the prior\'s space', () => {
    observe('odd.jsonl', [
      { params: { learning_rate: 0.1, one_minus_momentum: 0.1, lr_decay_power: 1, lr_decay_steps_factor: 0.8 }, value: -1 },
      { params: { learning_rate: 100, one_minus_momentum: 0.1, lr_decay_power: 1, lr_decay_steps_factor: 0.8 }, value: 0.2 },
    ]);
    const r = suggest('--observations', 'odd.jsonl');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /odd\.jsonl:1: value -1 is outside what the prior models \(the log of a minimised value ≥ 0\); this observation is ignored/);
    assert.match(r.stderr, /odd\.jsonl:2: the configuration is outside the prior's search space \(learning_rate in \[0\.00001, 10\]/);
    assert.equal(jsonLines(r.stdout).length, 1);
  });

  describe('bad input: a non-zero exit and a message naming the file and line', () => {
    const expectFailure = (args: string[], status: number, message: RegExp) => {
      const r = suggest(...args);
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /unexpected error/);
      assert.equal(r.stdout, '', 'no suggestion is printed');
    };

    it('a line that is not JSON', () => {
      writeFileSync(path.join(dir, 'broken.jsonl'), '{"params": {"learning_rate": 0.1}, "value": 0.2}\n{"params": \n');
      expectFailure(['--observations', 'broken.jsonl'], 1, /^hyperbo: broken\.jsonl:2: not valid JSON\.$/m);
    });

    it('a line without params, without a value, or with a parameter missing', () => {
      observe('no-params.jsonl', [{ value: 0.1 }]);
      expectFailure(['--observations', 'no-params.jsonl'], 1, /no-params\.jsonl:1: each line needs a "params" object/);
      observe('no-value.jsonl', [{ params: { learning_rate: 0.1 }, value: 'good' }]);
      expectFailure(['--observations', 'no-value.jsonl'], 1, /no-value\.jsonl:1: needs a numeric "value" or "status": "failed" \| "diverged"/);
      observe('missing-param.jsonl', [
        { params: { learning_rate: 0.1, one_minus_momentum: 0.1, lr_decay_power: 1, lr_decay_steps_factor: 0.8 }, value: 0.1 },
        { params: { learning_rate: 0.1 }, value: 0.1 },
      ]);
      expectFailure(['--observations', 'missing-param.jsonl'], 1, /missing-param\.jsonl:2: The configuration is missing parameter "one_minus_momentum"/);
    });

    it('a missing or invalid prior, a bad --n, no --prior', () => {
      expectFailure(['--prior', 'nope.json'], 1, /Cannot read the prior nope\.json: .*no such file/);
      writeFileSync(path.join(dir, 'not-a-prior.json'), '{"format": "something-else"}');
      expectFailure(['--prior', 'not-a-prior.json'], 1, /not-a-prior\.json: Invalid prior file: "format" must be "hyperbo-prior"/);
      expectFailure(['--n', '0'], 2, /--n must be an integer >= 1, got "0"/);
      const r = runCli(['suggest', '--n', '2'], dir);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /Missing --prior\.[\s\S]*Usage: hyperbo suggest/);
    });
  });
});
