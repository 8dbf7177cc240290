import { strict as assert } from 'node:assert';
import {
  acquisitionTarget,
  acquisitionValue,
  acquisitionWithPartials,
  maximizeOverCandidates,
  maximizeOverUnitCube,
  minimumSeparation,
  normalCdf,
  type BatchPredictor,
  type GradientPredictor,
} from '../../../src/engine/acquisition';
import { createRng } from '../../../src/engine/rng';

const close = (a: number, b: number, rel = 1e-10): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1e-300, Math.abs(b)), `${a} vs ${b}`);

describe('engine/acquisition', () => {
  it('normal CDF matches math.erfc values (Python)', () => {
    const table: [number, number][] = [
      [-10, 7.619853024160593e-24],
      [-3, 0.0013498980316300957],
      [-1, 0.15865525393145707],
      [0, 0.5],
      [0.5, 0.6914624612740131],
      [2.4, 0.9918024640754038],
      [2.6, 0.9953388119762813],
      [5, 0.9999997133484281],
    ];
    for (const [z, p] of table) close(normalCdf(z), p, 1e-12);
  });

  it('EI, PI and UCB equal their closed forms', () => {
    // EI values computed with Python: s*(phi(z) + z*Phi(z)).
    const ei: [number, number, number, number][] = [
      [1, 1, 0, 1.0833154705876864],
      [0.3, 0.5, 0.8, 0.041657735293843146],
      [-2, 0.1, 0, 1.3700124947100585e-91],
      [2, 2, -1, 3.0586135875252096],
    ];
    for (const [mu, s, t, v] of ei) close(acquisitionValue({ kind: 'ei' }, mu, s, t), v, 1e-9);
    close(acquisitionValue({ kind: 'pi' }, 1.5, 0.5, 1.1), 0.8);
    close(acquisitionValue({ kind: 'ucb' }, 1.5, 0.5, 0), 2); // the default β is DEFAULT_UCB_BETA = 1, as in Study
    close(acquisitionValue({ kind: 'ucb', beta: 2 }, 1.5, 0.5, 0), 2.5);
  });

  it('partial derivatives in μ and σ match finite differences', () => {
    for (const kind of ['ucb', 'ei', 'pi'] as const) {
      for (const [mu, s, t] of [
        [0.3, 0.5, 0.8],
        [1.2, 0.2, 1.0],
        [-0.5, 1.5, 0.1],
      ] as const) {
        const a = acquisitionWithPartials({ kind }, mu, s, t);
        const h = 1e-6;
        const fm = (acquisitionValue({ kind }, mu + h, s, t) - acquisitionValue({ kind }, mu - h, s, t)) / (2 * h);
        const fs = (acquisitionValue({ kind }, mu, s + h, t) - acquisitionValue({ kind }, mu, s - h, t)) / (2 * h);
        close(a.value, acquisitionValue({ kind }, mu, s, t));
        assert.ok(Math.abs(a.dMean - fm) < 1e-6 && Math.abs(a.dSd - fs) < 1e-6, `${kind}: ${a.dMean} ${fm} ${a.dSd} ${fs}`);
      }
    }
  });

  it('targets follow the paper defaults', () => {
    assert.equal(acquisitionTarget({ kind: 'ei' }, [0.2, 1.5, Number.NaN, -3]), 1.5);
    close(acquisitionTarget({ kind: 'pi' }, [0.2, 1.5]), 1.6);
    assert.equal(acquisitionTarget({ kind: 'pi' }, []), 0);
    assert.equal(acquisitionTarget({ kind: 'ei' }, []), 0);
  });

  // A known posterior: mean peaks at c, variance constant.
  const peak = (c: number[]): BatchPredictor => (x) => {
    const mean = new Float64Array(x.n);
    const variance = new Float64Array(x.n).fill(0.01);
    for (let i = 0; i < x.n; i++) {
      let s = 0;
      for (let j = 0; j < x.d; j++) s += (x.data[i * x.d + j]! - c[j]!) ** 2;
      mean[i] = -s;
    }
    return { mean, variance };
  };

  it('finds the argmax of a finite pool and honours exclusions', () => {
    const data = Float64Array.from([0.1, 0.1, 0.5, 0.5, 0.45, 0.5, 0.9, 0.9]);
    const cands = { n: 4, d: 2, data };
    const best = maximizeOverCandidates(peak([0.5, 0.5]), cands, { kind: 'ucb' }, 0);
    assert.equal(best.index, 1);
    const next = maximizeOverCandidates(peak([0.5, 0.5]), cands, { kind: 'ucb' }, 0, new Set([1]));
    assert.equal(next.index, 2);
    assert.equal(maximizeOverCandidates(peak([0.5, 0.5]), cands, { kind: 'ucb' }, 0, new Set([0, 1, 2, 3])).index, -1);
  });

  it('maximises over the unit cube to high precision and stays in bounds', () => {
    const c = [0.123, 0.77, 0.5, 0.31];
    const r = maximizeOverUnitCube(peak(c), 4, { kind: 'ei' }, 0, { rng: createRng(4) });
    c.forEach((v, j) => assert.ok(Math.abs(r.x[j]! - v) < 2e-3, `${r.x[j]} vs ${v}`));
    // Gradient-based refinement reaches the same point.
    const grad = (x: Float64Array) => ({
      mean: -x.reduce((a, v, j) => a + (v - c[j]!) ** 2, 0),
      variance: 0.01,
      meanGradient: Float64Array.from(x, (v, j) => -2 * (v - c[j]!)),
      varianceGradient: new Float64Array(4),
    });
    const rg = maximizeOverUnitCube(peak(c), 4, { kind: 'ucb' }, 0, { rng: createRng(4), gradient: grad });
    c.forEach((v, j) => assert.ok(Math.abs(rg.x[j]! - v) < 1e-4, `${rg.x[j]} vs ${v}`));
    const edge = [1.4, -0.3, 0.5, 0.5];
    const gradEdge = (x: Float64Array) => ({ ...grad(x), mean: -x.reduce((a, v, j) => a + (v - edge[j]!) ** 2, 0), meanGradient: Float64Array.from(x, (v, j) => -2 * (v - edge[j]!)) });
    const re = maximizeOverUnitCube(peak(edge), 4, { kind: 'ucb' }, 0, { rng: createRng(4), gradient: gradEdge });
    assert.ok(re.x[0]! <= 1 && re.x[0]! > 0.999 && re.x[1]! >= 0 && re.x[1]! < 1e-3, `${Array.from(re.x)}`);
    // Optimum outside the cube → lands on the boundary, never outside.
    const r2 = maximizeOverUnitCube(peak([1.4, -0.3]), 2, { kind: 'ucb' }, 0, { rng: createRng(5) });
    assert.ok(Math.abs(r2.x[0]! - 1) < 1e-9 && Math.abs(r2.x[1]!) < 1e-9, `${Array.from(r2.x)}`);
  });

  // The acquisition's maximiser is an already-tried point: the result must keep its distance from it
  // (and from every other tried point) and be the best admissible point, i.e. on the exclusion sphere.
  const peakGradient = (c: number[]): GradientPredictor => (x) => ({
    mean: -x.reduce((a, v, j) => a + (v - c[j]!) ** 2, 0),
    variance: 0.01,
    meanGradient: Float64Array.from(x, (v, j) => -2 * (v - c[j]!)),
    varianceGradient: new Float64Array(x.length),
  });
  const distance = (x: ArrayLike<number>, p: ArrayLike<number>): number => Math.hypot(...Array.from(x, (v, j) => v - p[j]!));

  it('keeps a minimum distance from observed and pending points, landing next to a tried optimum', () => {
    const c = [0.3, 0.6, 0.45];
    const tried = { n: 3, d: 3, data: Float64Array.from([...c, 0.9, 0.1, 0.2, 0.31, 0.6, 0.45]) };
    const radius = minimumSeparation(3);
    assert.ok(radius > 0.01 && radius < 0.05, `radius ${radius}`);
    for (const kind of ['pi', 'ei', 'ucb'] as const) {
      for (const gradient of [peakGradient(c), undefined]) {
        const r = maximizeOverUnitCube(peak(c), 3, { kind }, 0.05, {
          rng: createRng(11),
          incumbents: { n: 1, d: 3, data: Float64Array.from(c) },
          gradient,
          exclude: { points: tried },
        });
        assert.ok(r.admissible, kind);
        assert.ok(r.x.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), `${Array.from(r.x)}`);
        for (let i = 0; i < tried.n; i++) {
          const d = distance(r.x, tried.data.subarray(i * 3, i * 3 + 3));
          assert.ok(d >= radius, `${kind}: ${Array.from(r.x)} is ${d} from tried point ${i} (minimum ${radius})`);
        }
        // Best admissible: as close to the peak as the exclusion allows (the sphere has radius `radius`).
        assert.ok(distance(r.x, c) < 1.5 * radius, `${kind}${gradient ? ' gradient' : ''}: ${distance(r.x, c)} from the peak`);
        assert.ok(Number.isFinite(r.value) && Number.isFinite(r.mean) && Number.isFinite(r.sd));
      }
    }
    // Without exclusion the same call returns the tried optimum itself.
    const free = maximizeOverUnitCube(peak(c), 3, { kind: 'pi' }, 0.05, { rng: createRng(11), gradient: peakGradient(c) });
    assert.ok(distance(free.x, c) < 1e-3);
  });

  it('with discrete coordinates, a different category counts as distinct and an exhausted space is reported', () => {
    // Coordinate 1 is a two-choice category (slice centres 0.25 and 0.75); the peak is on a tried point.
    const snap = (u: Float64Array): Float64Array => Float64Array.from(u, (v, j) => (j === 1 ? (v < 0.5 ? 0.25 : 0.75) : v));
    const c = [0.4, 0.25];
    const tried = { n: 1, d: 2, data: Float64Array.from(c) };
    const r = maximizeOverUnitCube(peak(c), 2, { kind: 'pi' }, 0.05, {
      rng: createRng(12),
      snap,
      gradient: peakGradient(c),
      exclude: { points: tried, discreteDims: [1] },
    });
    assert.ok(r.admissible);
    assert.equal(r.x[1], 0.25);
    const gap = Math.abs(r.x[0]! - 0.4);
    assert.ok(gap >= minimumSeparation(1) && gap < 1.5 * minimumSeparation(1), `gap ${gap}`);
    // Only the category varies and both choices are tried: nothing is admissible, the best is still finite.
    const onlyCategory = (u: Float64Array): Float64Array => Float64Array.from(u, (v) => (v < 0.5 ? 0.25 : 0.75));
    const exhausted = maximizeOverUnitCube(peak([0.25]), 1, { kind: 'pi' }, 0.05, {
      rng: createRng(13),
      snap: onlyCategory,
      exclude: { points: { n: 2, d: 1, data: Float64Array.from([0.25, 0.75]) }, discreteDims: [0] },
    });
    assert.equal(exhausted.admissible, false);
    assert.equal(exhausted.x[0], 0.25);
    assert.ok(Number.isFinite(exhausted.value));
  });

  it('never returns a non-finite point when the model predicts NaN, and rejects a bad exclusion', () => {
    const broken: BatchPredictor = (x) => ({ mean: new Float64Array(x.n).fill(Number.NaN), variance: new Float64Array(x.n).fill(Number.NaN) });
    const r = maximizeOverUnitCube(broken, 2, { kind: 'pi' }, 0, {
      rng: createRng(14),
      exclude: { points: { n: 1, d: 2, data: Float64Array.from([0.5, 0.5]) } },
    });
    assert.ok(r.x.every(Number.isFinite), `${Array.from(r.x)}`);
    const opts = (exclude: object) => ({ rng: createRng(1), exclude: exclude as never });
    assert.throws(() => maximizeOverUnitCube(peak([0.5]), 1, { kind: 'pi' }, 0, opts({ points: { n: 1, d: 2, data: new Float64Array(2) } })), /parameter \(1\), got 2/);
    assert.throws(() => maximizeOverUnitCube(peak([0.5]), 1, { kind: 'pi' }, 0, opts({ points: { n: 0, d: 1, data: new Float64Array(0) }, minDistance: -1 })), /minimum distance/i);
    assert.throws(() => maximizeOverUnitCube(peak([0.5]), 1, { kind: 'pi' }, 0, opts({ points: { n: 0, d: 1, data: new Float64Array(0) }, discreteDims: [3] })), /discrete/i);
  });
});
