import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pretrain, SearchSpace, type Config, type PretrainData } from '../../../src/engine';
import {
  headline,
  HYPERBO_METHODS,
  optunaChoices,
  pretrainSeed,
  runRegretBenchmark,
  trainingData,
  zeroShotOrder,
  type BenchSuite,
  type MethodSummary,
} from '../../../src/cli/bench/regret';

const space = new SearchSpace([
  { name: 'a', type: 'float', low: 0, high: 1 },
  { name: 'b', type: 'float', low: 0, high: 1 },
]);

/** Tasks share a 5×5 grid; each also has two configurations of its own. Optimum near a = centre, b = 0.5. */
function tinySuite(centres: readonly number[], goal: 'minimize' | 'maximize' = 'minimize'): BenchSuite {
  const grid: Config[] = [];
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) grid.push({ a: i / 4, b: j / 4 });
  const tasks = centres.map((c, t) => {
    const configs = [...grid, { a: 0.1 + 0.05 * t, b: 0.33 }, { a: 0.9 - 0.05 * t, b: 0.71 }];
    const loss = (x: Config) => 0.05 + ((x.a as number) - c) ** 2 + 0.5 * ((x.b as number) - 0.5) ** 2;
    const values = Float64Array.from(configs, (x) => (goal === 'minimize' ? loss(x) : 1 - loss(x)));
    return { name: `task-${t}`, configs, values };
  });
  return {
    label: 'tiny',
    metric: 'loss',
    goal,
    space,
    output: { goal, warp: 'none', normalization: 'standardize' },
    tasks,
  };
}

const summary = (median: number[], perTask: Record<string, number[]>): Pick<MethodSummary, 'normalized' | 'perTask'> => ({
  normalized: { median, p20: median, p80: median },
  perTask,
});

describe('bench regret', () => {
  describe('zero-shot order', () => {
    it('ranks configurations by their mean normalised rank on the other tasks', () => {
      const suite = tinySuite([0.25, 0.25, 0.5, 0.25]);
      const order = zeroShotOrder(suite, 2, 0);
      // The other tasks all peak at a = 0.25, b = 0.5 (grid index 1·5 + 2 = 7); next come its neighbours in rank.
      assert.equal(order[0], 7);
      const first = suite.tasks[2]!.configs[order[0]!]!;
      assert.deepEqual(first, { a: 0.25, b: 0.5 });
      // Every pool index once.
      assert.deepEqual([...order].sort((x, y) => x - y), Array.from(suite.tasks[2]!.configs.keys()));
      // Configurations never evaluated elsewhere (the held-out task's own two) come last.
      assert.deepEqual(new Set(order.slice(-2)), new Set([25, 26]));
    });
    it('follows the direction of the metric', () => {
      const suite = tinySuite([0.75, 0.75, 0.75], 'maximize');
      assert.deepEqual(suite.tasks[0]!.configs[zeroShotOrder(suite, 0, 1)[0]!], { a: 0.75, b: 0.5 });
    });
    it('breaks ties by the seed, reproducibly', () => {
      const suite = tinySuite([0.5, 0.5]);
      suite.tasks[1]!.values.fill(1); // every configuration ties on the only other task
      assert.deepEqual(zeroShotOrder(suite, 0, 3), zeroShotOrder(suite, 0, 3));
      assert.notDeepEqual(zeroShotOrder(suite, 0, 3), zeroShotOrder(suite, 0, 4));
    });
  });

  describe('leave-one-task-out', () => {
    it('never gives the held-out task to pre-training (its rows or its matched column)', async () => {
      const suite = tinySuite([0.2, 0.4, 0.6, 0.8]);
      // Make every task's values distinguishable so leaked values would be recognisable.
      suite.tasks.forEach((task, t) => task.values.forEach((v, i) => (task.values[i] = v + 10 * t)));
      const seen: { tasks: string[]; matched: string[][]; rows: number; columns: number }[] = [];
      const spy: typeof pretrain = (data: PretrainData, options) => {
        seen.push({
          tasks: data.tasks.map((t) => t.name),
          matched: data.matched.map((g) => [...g.taskNames]),
          rows: data.tasks.reduce((n, t) => n + t.x.n, 0),
          columns: data.matched.reduce((n, g) => n + g.m, 0),
        });
        return pretrain(data, { ...options, steps: 5 });
      };
      await runRegretBenchmark(suite, { budget: 3, seeds: 1, methods: ['hyperbo-nll', 'hyperbo-ekl'], pretrainFn: spy });
      assert.equal(seen.length, 8); // 4 held-out tasks × 2 variants
      seen.forEach((s, call) => {
        const heldOut = `task-${Math.floor(call / 2)}`;
        assert.ok(!s.tasks.includes(heldOut), `call ${call} pre-trained on ${heldOut}`);
        assert.equal(s.tasks.length, 3);
        assert.equal(s.rows, 3 * 27, 'exactly the other three tasks\' rows');
        assert.equal(s.columns, 3, 'one shared grid, one column per other task');
        assert.ok(s.matched.length > 0, 'the shared grid forms a matched group');
        for (const names of s.matched) assert.ok(!names.includes(heldOut), `matched group of call ${call} holds ${heldOut}`);
      });
      // The raw values that reach pre-training come from the other tasks only.
      for (let held = 0; held < 4; held++) {
        const others = suite.tasks.filter((_, t) => t !== held).map((t) => t.name);
        const { data } = trainingData(suite, held);
        assert.deepEqual(data.tasks.map((t) => t.name), others);
      }
    });
    it('pre-trains once per seed, seed 0 with the task index, variants with the same pre-training sharing it', async () => {
      const suite = tinySuite([0.2, 0.4, 0.6]);
      const calls: { tasks: string[]; seed: number | undefined }[] = [];
      const spy: typeof pretrain = (data, options) => {
        calls.push({ tasks: data.tasks.map((t) => t.name), seed: options?.seed });
        return pretrain(data, { ...options, steps: 5 });
      };
      await runRegretBenchmark(suite, {
        budget: 2,
        seeds: 2,
        methods: ['hyperbo-nll', 'hyperbo-nll-twin'],
        variants: { 'hyperbo-nll-twin': { ...HYPERBO_METHODS['hyperbo-nll']! } },
        pretrainFn: spy,
      });
      // 3 held-out tasks × 2 seeds; the twin differs only in name, so it reuses the pre-training.
      assert.deepEqual(
        calls.map((c) => c.seed),
        [0, 1000, 1, 1001, 2, 1002],
      );
      assert.deepEqual(calls[2]!.tasks, ['task-0', 'task-2']);
      assert.equal(pretrainSeed(4, 0), 4);
      assert.equal(pretrainSeed(4, 2, 1), 3004);
    });
    it('recomputes the log floor from the training tasks only', async () => {
      const suite = tinySuite([0.3, 0.5, 0.7]);
      suite.output = { goal: 'minimize', warp: 'log', normalization: 'none', floor: 0.01 };
      suite.tasks[0]!.values[0] = 0; // zeros trigger the floor
      suite.tasks[1]!.values[0] = 0;
      suite.tasks[0]!.values[1] = 0.001; // the smallest non-zero value lives only in task 0
      const { output } = trainingData(suite, 0);
      assert.ok(output.floor !== undefined && output.floor > 0.001, `floor ${output.floor} used task 0's values`);
      assert.equal(trainingData(suite, 2).output.floor, 0.001);
    });
  });

  describe('runRegretBenchmark', () => {
    it('gives regret curves per method with bands, per-task medians, normalised regret and headlines', async () => {
      const suite = tinySuite([0.25, 0.3, 0.35, 0.4]);
      const report = await runRegretBenchmark(suite, {
        budget: 6,
        seeds: 2,
        methods: ['random', 'zeroshot', 'stbo', 'hyperbo-nll'],
        variants: { 'hyperbo-nll': { objective: 'nll', steps: 10 } },
      });
      assert.equal(report.budget, 6);
      assert.deepEqual(Object.keys(report.methods), ['random', 'zeroshot', 'stbo', 'hyperbo-nll']);
      for (const [name, m] of Object.entries(report.methods)) {
        for (const curve of [m.median, m.p20, m.p80, m.normalized.median]) {
          assert.equal(curve.length, 6, name);
          assert.ok(curve.every((v) => Number.isFinite(v) && v >= 0), `${name}: ${curve}`);
          for (let k = 1; k < curve.length; k++) assert.ok(curve[k]! <= curve[k - 1]! + 1e-12, `${name} regret must not rise`);
        }
        for (let k = 0; k < 6; k++) assert.ok(m.p20[k]! <= m.median[k]! && m.median[k]! <= m.p80[k]!);
        assert.equal(Object.keys(m.perTask).length, 4);
        assert.ok(m.normalized.median.every((v) => v >= 0 && Number.isFinite(v)));
      }
      assert.ok(report.methods['hyperbo-nll']!.pretrainSeconds! > 0);
      // Zero-shot starts from the configuration that is best on the other (near-identical) tasks.
      assert.ok(report.methods.zeroshot!.normalized.median[0]! < report.methods.random!.normalized.median[0]!);
      assert.equal(report.headline.hyperbo, 'hyperbo-nll');
      assert.ok(['random', 'stbo'].includes(report.headline.bestNonTransfer));
      assert.deepEqual(report.headline.nonTransfer!.methods, ['random', 'stbo']);
      assert.deepEqual(report.headline.zeroShot!.methods, ['zeroshot']);
      assert.equal(Object.keys(report.headline.nonTransfer!.perTask).length, 4);
      assert.deepEqual(Object.keys(report.headlines), ['hyperbo-nll']);
    });
    it('rejects unknown methods and bad budgets with a clear message', async () => {
      const suite = tinySuite([0.3, 0.6]);
      await assert.rejects(runRegretBenchmark(suite, { budget: 3, seeds: 1, methods: ['grid'] }), /Unknown method "grid"/);
      await assert.rejects(runRegretBenchmark(suite, { budget: 3, seeds: 1, methods: ['hyperbo-magic'] }), /Unknown HyperBO method "hyperbo-magic"/);
      await assert.rejects(runRegretBenchmark(suite, { budget: 0, seeds: 1, methods: ['random'] }), /budget/);
    });
  });

  describe('headline', () => {
    const tasks = ['t1', 't2', 't3'];
    it('compares per task against the best non-transfer method and against zero-shot separately (known answers)', () => {
      const summaries = {
        // Per task (metric units): random is the best non-transfer method on t1 and t3, stbo on t2.
        random: summary([0.9, 0.8, 0.7, 0.6, 0.5, 0.4], { t1: [1, 1, 1, 1, 1, 0.5], t2: [1, 1, 1, 1, 1, 0.4], t3: [9, 9, 9, 9, 9, 9] }),
        stbo: summary([0.9, 0.8, 0.7, 0.6, 0.5, 0.45], { t1: [1, 1, 1, 1, 1, 1], t2: [2, 2, 0.3, 0.3, 0.3, 0.3], t3: [10, 10, 10, 10, 10, 10] }),
        zeroshot: summary([0.5, 0.4, 0.3, 0.2, 0.2, 0.2], { t1: [0.5, 0.4, 0.3, 0.2, 0.2, 0.2], t2: [0.5, 0.5, 0.5, 0.5, 0.5, 0.3], t3: [5, 5, 5, 5, 5, 5] }),
        'hyperbo-nll': summary([0.4, 0.2, 0.1, 0.1, 0.05, 0.0], { t1: [0.2, 0.1, 0.1, 0.1, 0.1, 0.1], t2: [0.4, 0.4, 0.4, 0.3, 0.3, 0.3], t3: [9.5, 9.5, 9.5, 9.5, 9.5, 9.5] }),
        'hyperbo-ekl': summary([0.9, 0.9, 0.9, 0.9, 0.9, 0.9], { t1: [1, 1, 1, 1, 1, 1], t2: [1, 1, 1, 1, 1, 1], t3: [20, 20, 20, 20, 20, 20] }),
      };
      const h = headline(summaries, tasks);
      assert.equal(h.hyperbo, 'hyperbo-nll');
      assert.equal(h.bestNonTransfer, 'random');
      // Non-transfer targets: t1 random 0.5 (HyperBO has 0.2 at k=1), t2 stbo 0.3 (k=4), t3 random 9 (never).
      assert.deepEqual(h.nonTransfer!.perTask, {
        t1: { method: 'random', regret: 0.5, evaluations: 1 },
        t2: { method: 'stbo', regret: 0.3, evaluations: 4 },
        t3: { method: 'random', regret: 9, evaluations: null },
      });
      assert.equal(h.nonTransfer!.medianEvaluations, 4);
      assert.equal(h.nonTransfer!.speedup, 1.5);
      assert.equal(h.nonTransfer!.reached, 2);
      // Zero-shot targets: t1 0.2 (k=1), t2 0.3 (k=4), t3 5 (never).
      assert.deepEqual(
        Object.values(h.zeroShot!.perTask).map((t) => t.evaluations),
        [1, 4, null],
      );
      assert.equal(h.zeroShot!.medianEvaluations, 4);
      // Pooled checks: k=1 0.4 ≤ 0.5 (zero-shot); k=6 0 ≤ 0.4 (random); median task 4 > 6/5 evaluations.
      assert.deepEqual(h.checks.k1VsZeroShot, { hyperbo: 0.4, zeroshot: 0.5, ok: true });
      assert.deepEqual(h.checks.budgetVsNonTransfer, { hyperbo: 0, peer: 0.4, ok: true });
      assert.equal(h.checks.fiveFold, false);
      assert.equal(h.goalMet, false);
      const ekl = headline(summaries, tasks, 'hyperbo-ekl');
      assert.equal(ekl.hyperbo, 'hyperbo-ekl');
      assert.equal(ekl.nonTransfer!.medianEvaluations, null);
      assert.equal(ekl.nonTransfer!.speedup, 0);
      assert.equal(ekl.checks.k1VsZeroShot!.ok, false);
    });
    it('breaks ties at zero final regret by the area under the curve and meets the goal at ≤ B/5 evaluations', () => {
      const curves = (c: number[]) => summary(c, { t1: c });
      const summaries = {
        random: curves([0.5, 0.3, 0.1, 0, 0, 0, 0, 0, 0, 0]),
        stbo: curves([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0]),
        zeroshot: curves([0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]),
        'hyperbo-nll': curves([0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      };
      const h = headline(summaries, ['t1']);
      assert.equal(h.bestNonTransfer, 'random');
      assert.equal(h.nonTransfer!.medianEvaluations, 2);
      assert.equal(h.nonTransfer!.speedup, 5);
      assert.equal(h.zeroShot!.medianEvaluations, 1);
      assert.equal(h.checks.fiveFold, true);
      assert.equal(h.goalMet, true);
    });
    it('reports the checks as not run when a peer group is missing', () => {
      const h = headline({ random: summary([1, 0.5], { t1: [1, 0.5] }), 'hyperbo-nll': summary([0.2, 0.1], { t1: [0.2, 0.1] }) }, ['t1']);
      assert.equal(h.zeroShot, null);
      assert.equal(h.checks.k1VsZeroShot, null);
      assert.equal(h.goalMet, false);
    });
  });

  describe('normalisation', () => {
    it('divides regret by |median − best| of the pool, not by its range, so a diverged run at 1e160 does not flatten it', async () => {
      const suite = tinySuite([0.3, 0.5, 0.7]);
      suite.tasks[0]!.values[3] = 1e160;
      const report = await runRegretBenchmark(suite, { budget: 4, seeds: 1, methods: ['random'] });
      const task = report.tasks[0]!;
      const values = Array.from(suite.tasks[0]!.values).sort((a, b) => a - b);
      assert.equal(task.best, values[0]);
      assert.equal(task.median, values[13]); // 27 values: the 14th
      assert.equal(task.scale, values[13]! - values[0]!);
      const units = report.methods.random!.perTask[task.name]!;
      const normalised = report.methods.random!.perTaskNormalized[task.name]!;
      units.forEach((r, k) => assert.equal(normalised[k], r / task.scale));
    });
  });

  describe('optuna-tpe', function () {
    const python = process.env.HYPERBO_PYTHON ?? '/usr/bin/python3';
    let hasOptuna = false;
    try {
      hasOptuna = existsSync(python) && execFileSync(python, ['-c', 'import optuna'], { stdio: 'pipe' }) !== undefined;
    } catch {
      hasOptuna = false;
    }
    it('runs TPE over the pool: distinct candidates, seeded, better than nothing', async function () {
      if (!hasOptuna) {
        // Needs Optuna for the Python the benchmark uses: apt-get install -y python3-optuna (CI installs it).
        console.log(`      skipped: ${python} cannot import optuna (apt-get install -y python3-optuna)`);
        this.skip();
      }
      const suite = tinySuite([0.3, 0.6]);
      const run = () => runRegretBenchmark(suite, { budget: 12, seeds: 2, methods: ['optuna-tpe'] });
      const a = await run();
      const b = await run();
      const m = a.methods['optuna-tpe']!;
      assert.deepEqual(m.median, b.methods['optuna-tpe']!.median, 'same seeds, same choices');
      assert.equal(m.median.length, 12);
      assert.ok(m.median.at(-1)! < m.median[0]!, 'TPE improves over its first pick');
      assert.ok(m.seconds > 0);
      const choices = await optunaChoices(suite, 12, 1);
      for (const chosen of choices.values()) {
        assert.equal(chosen.length, 12);
        assert.equal(new Set(chosen).size, 12, 'each candidate at most once');
        assert.ok(chosen.every((i) => Number.isInteger(i) && i >= 0 && i < 27));
      }
    });
  });
});
