// Many observations: appending to the Cholesky factor, the bounded subset the GP conditions on, and studies that
// switch to it.
import assert from 'node:assert/strict';
import { ConditioningCache, matchRows } from '../../../src/engine/conditioning';
import { condition, paramsFromValues } from '../../../src/engine/model';
import { simpleSpec } from '../../../src/engine/pretrain';
import { createRng } from '../../../src/engine/rng';
import { SearchSpace } from '../../../src/engine/space';
import { Study, studyFromRecord } from '../../../src/engine/study';
import { selectObservations } from '../../../src/engine/subset';
import { isAdmissible } from '../../../src/engine/acquisition';
import type { Points } from '../../../src/engine/types';
import { assertAllClose, assertClose } from '../helpers/approx';

function randomData(n: number, d: number, seed: number): { x: Points; y: Float64Array } {
  const rng = createRng(seed);
  const data = Float64Array.from({ length: n * d }, () => rng.next());
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(4 * data[i * d]!) + data[i * d + 1]! ** 2 + 0.05 * rng.normal());
  return { x: { n, d, data }, y };
}

const rows = (x: Points, from: number, to: number): Points => ({ n: to - from, d: x.d, data: x.data.slice(from * x.d, to * x.d) });

describe('engine/scale: appending observations to the factor', () => {
  const spec = simpleSpec(3);
  const theta = paramsFromValues(spec, { constant: 0.2, lengthscale: [0.3, 0.5, 0.8], signalVariance: 1.3, noiseVariance: 1e-3 });
  const { x, y } = randomData(60, 3, 1);
  const query = randomData(25, 3, 2).x;

  for (const start of [0, 1, 35]) {
    it(`from ${start} observations, one row at a time, matches conditioning on all 60 at once`, () => {
      let p = condition(spec, theta, rows(x, 0, start), y.slice(0, start));
      for (let i = start; i < 60; i++) p = p.withObservation(x.data.slice(i * 3, i * 3 + 3), y[i]!);
      const full = condition(spec, theta, x, y);
      assert.equal(p.n, 60);
      const a = p.predict(query, { includeNoise: true, varianceScale: 1.1 });
      const b = full.predict(query, { includeNoise: true, varianceScale: 1.1 });
      assertAllClose(a.mean, b.mean, { rel: 1e-8, abs: 1e-10 }, 'mean');
      assertAllClose(a.variance, b.variance, { rel: 1e-7, abs: 1e-10 }, 'variance');
      assertClose(p.negLogLikelihood, full.negLogLikelihood, { rel: 1e-8 }, 'NLL');
      const u = query.data.slice(0, 3);
      const ga = p.predictWithGradient(u);
      const gb = full.predictWithGradient(u);
      assertAllClose(ga.meanGradient, gb.meanGradient, { rel: 1e-7, abs: 1e-9 }, 'mean gradient');
      assertAllClose(ga.varianceGradient, gb.varianceGradient, { rel: 1e-6, abs: 1e-9 }, 'variance gradient');
    });
  }

  it('a duplicate point at near-zero noise still gives a finite posterior (the full conditioning with jitter)', () => {
    const tiny = paramsFromValues(spec, { constant: 0, lengthscale: 0.5, signalVariance: 1, noiseVariance: 1e-9 });
    const p0 = condition(spec, tiny, rows(x, 0, 10), y.slice(0, 10));
    const p = p0.withObservation(x.data.slice(0, 3), y[0]!);
    assert.equal(p.n, 11);
    const pred = p.predict(query);
    assert.ok(pred.mean.every(Number.isFinite) && pred.variance.every((v) => v >= 0 && Number.isFinite(v)));
  });

  it('rejects a non-finite value or a point of the wrong dimension', () => {
    const p = condition(spec, theta, rows(x, 0, 5), y.slice(0, 5));
    assert.throws(() => p.withObservation(new Float64Array([0.1, 0.2, 0.3]), Number.NaN), /value is NaN/);
    assert.throws(() => p.withObservation(new Float64Array([0.1, 0.2]), 1), /dimension/);
  });
});

describe('engine/scale: extending a posterior to appended observations (against a full refactorisation)', () => {
  const spec = simpleSpec(3);
  const theta = paramsFromValues(spec, { constant: 0.2, lengthscale: [0.3, 0.5, 0.8], signalVariance: 1.3, noiseVariance: 1e-3 });
  const { x, y } = randomData(80, 3, 5);
  const query = randomData(30, 3, 6).x;

  it('several rows at once, with every value changed (a new normalisation), equals conditioning afresh', () => {
    const p0 = condition(spec, theta, rows(x, 0, 64), y.slice(0, 64));
    const shifted = Float64Array.from(y, (v) => 0.7 * v - 0.3);
    const p = p0.extendedTo(x, shifted)!;
    assert.ok(p, 'extended');
    const full = condition(spec, theta, x, shifted);
    const a = p.predict(query, { includeNoise: true });
    const b = full.predict(query, { includeNoise: true });
    assertAllClose(a.mean, b.mean, { rel: 1e-9, abs: 1e-11 }, 'mean');
    assertAllClose(a.variance, b.variance, { rel: 1e-8, abs: 1e-11 }, 'variance');
    assertClose(p.negLogLikelihood, full.negLogLikelihood, { rel: 1e-9 }, 'NLL');
  });

  it('refuses observations that do not start with its own points', () => {
    const p0 = condition(spec, theta, rows(x, 0, 10), y.slice(0, 10));
    assert.equal(p0.extendedTo(rows(x, 1, 12), y.slice(1, 12)), undefined);
    assert.equal(p0.extendedTo(rows(x, 0, 9), y.slice(0, 9)), undefined);
  });

  it('ConditioningCache: extends on appended data, reuses on the same points, refactors on other changes or parameters', () => {
    const cache = new ConditioningCache();
    const first = cache.condition(spec, theta, rows(x, 0, 50), y.slice(0, 50));
    const again = cache.condition(spec, theta, rows(x, 0, 50), y.slice(0, 50));
    const grown = cache.condition(spec, theta, rows(x, 0, 53), y.slice(0, 53));
    assert.deepEqual([cache.counts.full, cache.counts.reused, cache.counts.extended], [1, 1, 1]);
    assert.equal(first.n, 50);
    assert.equal(again.n, 50);
    const full = condition(spec, theta, rows(x, 0, 53), y.slice(0, 53));
    assertAllClose(grown.predict(query).mean, full.predict(query).mean, { rel: 1e-9, abs: 1e-11 }, 'mean');
    assertAllClose(grown.predict(query).variance, full.predict(query).variance, { rel: 1e-8, abs: 1e-11 }, 'variance');
    cache.condition(spec, theta, rows(x, 1, 54), y.slice(1, 54)); // the first point removed
    const other = paramsFromValues(spec, { constant: 0.2, lengthscale: [0.3, 0.5, 0.8], signalVariance: 1.2, noiseVariance: 1e-3 });
    cache.condition(spec, other, rows(x, 1, 55), y.slice(1, 55)); // new parameters
    assert.equal(cache.counts.full, 3);
    // The level is part of the model: another level conditions afresh, and an estimated level extends like a fixed one.
    const estimated = { level: 'estimated' } as const;
    cache.condition(spec, other, rows(x, 1, 55), y.slice(1, 55), estimated);
    assert.equal(cache.counts.full, 4);
    const extended = cache.condition(spec, other, rows(x, 1, 60), y.slice(1, 60), estimated);
    assert.equal(cache.counts.full, 4);
    const fresh = condition(spec, other, rows(x, 1, 60), y.slice(1, 60), estimated);
    assertAllClose(extended.predict(query).mean, fresh.predict(query).mean, { rel: 1e-9, abs: 1e-11 }, 'mean, estimated level');
    assertAllClose(extended.predict(query).variance, fresh.predict(query).variance, { rel: 1e-8, abs: 1e-11 }, 'variance, estimated level');
  });

  it('ConditioningCache: a kept subset grows by the appended observations up to the slack, then is selected again', () => {
    const cache = new ConditioningCache();
    const big = randomData(300, 2, 8);
    let selected = 0;
    const select = (n: number) => () => {
      selected++;
      return selectObservations(rows(big.x, 0, n), big.y.slice(0, n), 100);
    };
    const a = cache.subset(rows(big.x, 0, 200), 100, select(200));
    const b = cache.subset(rows(big.x, 0, 205), 100, select(205));
    assert.deepEqual(Array.from(b), [...Array.from(a), 200, 201, 202, 203, 204]);
    cache.subset(rows(big.x, 0, 212), 100, select(212)); // 112 = 100 + the 1/8 slack
    assert.equal(selected, 1);
    cache.subset(rows(big.x, 0, 213), 100, select(213));
    assert.equal(selected, 2);
    assert.deepEqual([cache.counts.subsetsSelected, cache.counts.subsetsExtended], [2, 2]);
  });
});

describe('engine/scale: studies sharing a ConditioningCache across versions of the trials', () => {
  const space = new SearchSpace([
    { name: 'a', type: 'float', low: 0, high: 1 },
    { name: 'b', type: 'float', low: 0, high: 1 },
  ]);
  const data = randomData(700, 2, 11);
  const record = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ params: { a: data.x.data[2 * i]!, b: data.x.data[2 * i + 1]! }, status: 'completed' as const, value: data.y[i]! }));
  const prior = { spec: simpleSpec(2), theta: paramsFromValues(simpleSpec(2), { constant: 0, lengthscale: 0.3, signalVariance: 1, noiseVariance: 1e-2 }), numTrainingTasks: 5 };
  const queries = Array.from({ length: 20 }, (_, i) => ({ a: (i % 5) / 4, b: Math.floor(i / 5) / 3 }));

  for (const withPrior of [true, false]) {
    it(`${withPrior ? 'frozen prior' : 'single-task GP (fit kept above FROZEN_FIT_MIN)'}: an appended trial extends the factor, predictions equal a study built afresh`, () => {
      const options = { space, goal: 'maximize' as const, ...(withPrior ? { prior } : {}), seed: 3, adaptation: 'none' as const };
      const cache = new ConditioningCache();
      const before = studyFromRecord({ ...options, conditioning: cache }, record(300));
      before.predict(queries);
      const after = studyFromRecord({ ...options, conditioning: cache }, record(302));
      const p = after.predict(queries);
      assert.equal(cache.counts.full, 1);
      assert.equal(cache.counts.extended, 1);
      if (!withPrior) assert.deepEqual([cache.counts.fits, cache.counts.fitsKept], [1, 1]);
      // The same model conditioned afresh: with the prior, a study without the cache; without one, the kept fit's
      // parameters conditioned on all 302 observations.
      const obs = after.conditioningObservations();
      const { spec, theta } = after.modelParameters();
      const fresh = condition(spec, theta, obs.x, obs.y).predict(space.encode(queries), { includeNoise: false });
      assertAllClose(p.mean, fresh.mean, { rel: 1e-8, abs: 1e-10 }, 'mean');
      assertAllClose(
        p.sd,
        Array.from(fresh.variance, (v) => Math.sqrt(Math.max(0, v))),
        { rel: 1e-7, abs: 1e-9 },
        'sd',
      );
      if (withPrior) {
        const uncached = studyFromRecord(options, record(302)).predict(queries);
        assertAllClose(p.mean, uncached.mean, { rel: 1e-8, abs: 1e-10 }, 'mean vs a study without the cache');
      }
    });
  }

  it('a new result lands before the diverged runs (listed last): the previous points are found, the factor still extended', () => {
    const cache = new ConditioningCache();
    const options = { space, goal: 'maximize' as const, prior, seed: 3, adaptation: 'none' as const };
    const withDiverged = (n: number) => [...record(n).slice(0, n - 1), { params: { a: 0.99, b: 0.01 }, status: 'diverged' as const }, record(n)[n - 1]!];
    studyFromRecord({ ...options, conditioning: cache }, withDiverged(100)).predict(queries);
    const after = studyFromRecord({ ...options, conditioning: cache }, withDiverged(103));
    const p = after.predict(queries);
    assert.deepEqual([cache.counts.full, cache.counts.extended], [1, 1]);
    const fresh = studyFromRecord(options, withDiverged(103)).predict(queries);
    assertAllClose(p.mean, fresh.mean, { rel: 1e-8, abs: 1e-10 }, 'mean');
    assertAllClose(p.sd, fresh.sd, { rel: 1e-7, abs: 1e-9 }, 'sd');
  });

  it('matchRows finds moved points, equal points once each, and reports a missing one', () => {
    const old = Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.1, 0.2]);
    const now = { n: 4, d: 2, data: Float64Array.from([0.3, 0.4, 0.9, 0.9, 0.1, 0.2, 0.1, 0.2]) };
    assert.deepEqual(Array.from(matchRows(old, 3, now)!), [2, 0, 3]);
    assert.equal(matchRows(old, 3, { n: 3, d: 2, data: Float64Array.from([0.3, 0.4, 0.1, 0.2, 0.9, 0.9]) }), undefined);
  });

  it('above the observation limit: the kept subset and fit are extended by an appended trial', () => {
    const cache = new ConditioningCache();
    const options = { space, goal: 'maximize' as const, seed: 3 };
    studyFromRecord({ ...options, conditioning: cache }, record(600)).predict(queries);
    const after = studyFromRecord({ ...options, conditioning: cache }, record(601));
    after.predict(queries);
    assert.equal(after.conditioningObservations().x.n, 513);
    assert.deepEqual(
      [cache.counts.full, cache.counts.extended, cache.counts.subsetsSelected, cache.counts.subsetsExtended, cache.counts.fitsKept],
      [1, 1, 1, 1, 1],
    );
  });
});

describe('engine/scale: selectObservations', () => {
  const { x } = randomData(1000, 2, 4);
  const y = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));

  it('keeps everything up to the limit', () => {
    assert.deepEqual(Array.from(selectObservations(rows(x, 0, 40), y.slice(0, 40), 40)), Array.from({ length: 40 }, (_, i) => i));
  });

  it('takes the best quarter, the quarter nearest the best, the latest eighth and a space-filling cover', () => {
    const s = selectObservations(x, y, 100);
    assert.equal(s.length, 100);
    for (let k = 1; k < s.length; k++) assert.ok(s[k]! > s[k - 1]!, 'ascending, no repeats');
    const set = new Set(s);
    const best = Array.from(y.keys()).sort((a, b) => y[b]! - y[a]! || a - b).slice(0, 25);
    for (const i of best) assert.ok(set.has(i), `best observation ${i} kept`);
    const b = best[0]!;
    const distance = (i: number): number => Math.hypot(x.data[2 * i]! - x.data[2 * b]!, x.data[2 * i + 1]! - x.data[2 * b + 1]!);
    const near = Array.from(y.keys()).filter((i) => !best.includes(i)).sort((p, q) => distance(p) - distance(q) || p - q).slice(0, 25);
    for (const i of near) assert.ok(set.has(i), `neighbour ${i} of the best kept`);
    const latest = Array.from(y.keys()).reverse().filter((i) => !best.includes(i) && !near.includes(i)).slice(0, 13);
    for (const i of latest) assert.ok(set.has(i), `recent observation ${i} kept`);
    // Cover: every one of the 1,000 points is within 0.15 of a chosen one (100 points on the unit square are
    // about 0.1 apart), which a subset of the best and latest alone misses.
    const coverOf = (idx: ArrayLike<number>): number => {
      let worst = 0;
      for (let i = 0; i < 1000; i++) {
        let near = Infinity;
        for (let k = 0; k < idx.length; k++) {
          const c = idx[k]!;
          near = Math.min(near, Math.hypot(x.data[2 * i]! - x.data[2 * c]!, x.data[2 * i + 1]! - x.data[2 * c + 1]!));
        }
        worst = Math.max(worst, near);
      }
      return worst;
    };
    assert.ok(coverOf(s) < 0.15, `cover radius ${coverOf(s)}`);
    assert.ok(coverOf([...best, ...latest]) > 0.15, 'the test data needs the cover');
  });

  it('depends only on the data', () => {
    assert.deepEqual(selectObservations(x, y, 100), selectObservations({ ...x, data: x.data.slice() }, y.slice(), 100));
  });

  it('rejects a limit that is not a positive whole number, or mismatched sizes', () => {
    assert.throws(() => selectObservations(x, y, 0), /positive whole number/);
    assert.throws(() => selectObservations(x, y, 2.5), /positive whole number/);
    assert.throws(() => selectObservations(rows(x, 0, 10), y, 5), /10 points but 1000 values/);
  });
});

describe('engine/scale: studies with many observations', () => {
  const space = new SearchSpace([
    { name: 'a', type: 'float', low: 0, high: 1 },
    { name: 'b', type: 'float', low: 0, high: 1 },
  ]);
  const f = (c: Record<string, unknown>): number => -(((c.a as number) - 0.3) ** 2) - ((c.b as number) - 0.7) ** 2;
  const spec = simpleSpec(2);
  const theta = paramsFromValues(spec, { constant: -0.3, lengthscale: 0.3, signalVariance: 0.2, noiseVariance: 1e-4 });

  function filled(n: number, options: { prior: boolean; limit?: number; fitLimit?: number; seed?: number }): Study {
    const study = new Study({
      space,
      output: { goal: 'maximize', warp: 'none', normalization: options.prior ? 'none' : 'standardize' },
      prior: options.prior ? { spec, theta } : undefined,
      maxModelObservations: options.limit,
      maxFitObservations: options.fitLimit,
      seed: options.seed ?? 5,
    });
    const rng = createRng(11);
    for (let i = 0; i < n; i++) {
      const c = { a: rng.next(), b: rng.next() };
      study.tell(c, f(c));
    }
    return study;
  }

  it('conditions on the subset above the limit, says so, and suggests near the optimum', () => {
    const [s] = filled(400, { prior: true, limit: 64 }).ask(1);
    assert.deepEqual(s!.subset, { used: 64, of: 400 });
    assert.ok(Math.hypot((s!.config.a as number) - 0.3, (s!.config.b as number) - 0.7) < 0.15, JSON.stringify(s!.config));
    const [t] = filled(40, { prior: true, limit: 64 }).ask(1);
    assert.equal(t!.subset, undefined);
  });

  it('gives the same suggestions for the same seed, with a single-task GP fitted on a subset', () => {
    const a = filled(300, { prior: false, limit: 80, fitLimit: 40 }).ask(2);
    const b = filled(300, { prior: false, limit: 80, fitLimit: 40 }).ask(2);
    assert.deepEqual(a.map((s) => s.config), b.map((s) => s.config));
    assert.equal(a[0]!.basis, 'single-task-gp');
    assert.deepEqual(a[0]!.subset, { used: 80, of: 300 });
  });

  it('predict() reuses one conditioning for repeated queries on unchanged data and sees new results', () => {
    const study = filled(100, { prior: true });
    const first = study.predict([{ a: 0.3, b: 0.7 }]);
    assert.deepEqual(study.predict([{ a: 0.3, b: 0.7 }]), first);
    study.tell({ a: 0.3, b: 0.7 }, 5);
    assert.ok(study.predict([{ a: 0.3, b: 0.7 }]).mean[0]! > first.mean[0]! + 1);
  });

  it('rejects a limit below 2', () => {
    assert.throws(() => new Study({ space, output: { goal: 'maximize', warp: 'none', normalization: 'none' }, maxModelObservations: 1 }), /maxModelObservations/);
  });

  it('a recorded experiment with 20,000 trials (half failed, so pending) builds and suggests from the subset', () => {
    const rng = createRng(3);
    const trials = Array.from({ length: 20000 }, (_, i) => {
      const params = { a: rng.next(), b: rng.next() };
      return i % 2 === 0 ? { params, status: 'completed' as const, value: f(params) } : { params, status: 'failed' as const };
    });
    const study = studyFromRecord({ space, goal: 'maximize', output: { goal: 'maximize', warp: 'none', normalization: 'none' }, prior: { spec, theta }, maxModelObservations: 128 }, trials);
    assert.equal(study.trials.length, 20000);
    const [s] = study.ask(1);
    assert.deepEqual(s!.subset, { used: 128, of: 10000 });
  });
});

describe('engine/scale: keeping away from thousands of tried points', () => {
  it('the sorted index agrees with a scan of every point (continuous and discrete coordinates)', () => {
    const rng = createRng(21);
    const dim = 3;
    const n = 3000;
    // Coordinate 1 is discrete (three levels); coordinates 0 and 2 are continuous.
    const data = Float64Array.from({ length: n * dim }, (_, k) => (k % dim === 1 ? Math.floor(rng.next() * 3) / 2 : rng.next()));
    const exclusion = { points: { n, d: dim, data }, discreteDims: [1], minDistance: 0.02 };
    const small = { points: { n: 200, d: dim, data: data.slice(0, 200 * dim) }, discreteDims: [1], minDistance: 0.02 };
    const scan = (u: Float64Array, pts: Float64Array, count: number): boolean => {
      for (let i = 0; i < count; i++) {
        if (Math.abs(u[1]! - pts[i * dim + 1]!) > 1e-9) continue;
        if (Math.hypot(u[0]! - pts[i * dim]!, u[2]! - pts[i * dim + 2]!) < 0.02) return false;
      }
      return true;
    };
    let admissible = 0;
    for (let q = 0; q < 2000; q++) {
      // Half the queries sit right next to a tried point.
      const near = q % 2 === 0 ? rng.int(n) : -1;
      const u = near >= 0
        ? Float64Array.from({ length: dim }, (_, j) => (j === 1 ? data[near * dim + 1]! : data[near * dim + j]! + 0.03 * (rng.next() - 0.5)))
        : Float64Array.from({ length: dim }, (_, j) => (j === 1 ? Math.floor(rng.next() * 3) / 2 : rng.next()));
      const expected = scan(u, data, n);
      assert.equal(isAdmissible(u, exclusion, dim), expected, `query ${q}`);
      assert.equal(isAdmissible(u, small, dim), scan(u, data, 200), `query ${q}, 200 points`);
      if (expected) admissible++;
    }
    assert.ok(admissible > 200 && admissible < 1800, `both outcomes exercised (${admissible} admissible)`);
  });
});
