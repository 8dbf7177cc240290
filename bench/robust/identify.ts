// How far identifying the similar training task gets without a GP (bench/README.md, "Why the exact best is hard to
// reach in 6"): leave one task out and pick, at each step, the untried member with the best
// weighted mean of the other tasks' normal scores; the weights come from how each task orders the results so far.
// A training task that did not measure a pool member has no score there; a member no training task measured comes
// last. Prints the evaluations until the pool's best, per task and for the median task. Usage:
//   npx tsx bench/robust/identify.ts '<glob or YAHPO folder>' <metric> [pool] [tasks] [complement]
import { medianEvaluations } from '../../src/cli/bench/stats';
import { normalCdf } from '../../src/engine/acquisition';
import { rankScores } from '../../src/engine/warp';
import { suiteFromArgs } from './suiteArgs';

/** zs[i][j]: training task i's normal score at pool member j (NaN where it did not measure j). */
type Weights = (zs: number[][], chosen: number[], y: number[], truth: number[]) => number[];
/** Equal weights: zero-shot's mean score. */
const equal: Weights = (zs) => zs.map(() => 1);
/** A task's weight is the probit likelihood of the results' pairwise order under its scores (noise tau). */
const probit = (tau: number): Weights => (zs, chosen, y) => {
  const ll = zs.map((z) => {
    let l = 0;
    for (let a = 0; a < chosen.length; a++) {
      for (let b = 0; b < chosen.length; b++) {
        const d = z[chosen[a]!]! - z[chosen[b]!]!;
        if (y[a]! > y[b]! && !Number.isNaN(d)) l += Math.log(Math.max(1e-300, normalCdf(d / tau)));
      }
    }
    return l;
  });
  const top = Math.max(...ll);
  return ll.map((l) => Math.exp(l - top));
};
/** All weight on the tasks with the fewest misordered pairs. */
const fewestMisordered: Weights = (zs, chosen, y) => {
  const wrong = zs.map((z) => {
    let c = 0;
    for (let a = 0; a < chosen.length; a++) for (let b = 0; b < chosen.length; b++) if (y[a]! > y[b]! && z[chosen[a]!]! < z[chosen[b]!]!) c++;
    return c;
  });
  const least = Math.min(...wrong);
  return wrong.map((c) => (c === least ? 1 : 0));
};
/**
 * Evidence of an affine fit per task: y = a + b·z_i + e, a ~ N(0, 1), b ~ N(1, 1), e ~ N(0, sd²), a and b integrated
 * out, so the results' magnitudes count, not only their order.
 */
const affineEvidence = (sd: number): Weights => (zs, chosen, y) => {
  const ll = zs.map((z) => {
    const pairs = chosen.flatMap((j, a) => (Number.isNaN(z[j]!) ? [] : [[z[j]!, y[a]!] as const]));
    const n = pairs.length;
    // y ~ N(z, 1 + z zᵀ + sd² I): the log density from a Cholesky factor of the covariance.
    const cov = pairs.map(([zi], i) => pairs.map(([zj], j) => 1 + zi * zj + (i === j ? sd * sd : 0)));
    const l = cov.map((row) => row.map(() => 0));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let t = cov[i]![j]!;
        for (let k = 0; k < j; k++) t -= l[i]![k]! * l[j]![k]!;
        l[i]![j] = i === j ? Math.sqrt(t) : t / l[j]![j]!;
      }
    }
    let logDensity = 0;
    const w: number[] = [];
    for (let i = 0; i < n; i++) {
      let t = pairs[i]![1] - pairs[i]![0];
      for (let k = 0; k < i; k++) t -= l[i]![k]! * w[k]!;
      w.push(t / l[i]![i]!);
      logDensity -= w[i]! ** 2 / 2 + Math.log(l[i]![i]!);
    }
    return logDensity;
  });
  const top = Math.max(...ll);
  return ll.map((v) => Math.exp(v - top));
};
/** Hindsight, not available to a tuner: all weight on the training task whose scores correlate best with the held-out
 * task's over every member both measured, i.e. a perfect choice of the most similar task. */
const mostSimilar: Weights = (zs, _chosen, _y, truth) => {
  const rho = zs.map((z) => correlation(z, truth));
  const top = Math.max(...rho);
  return rho.map((r) => (r === top ? 1 : 0));
};

function correlation(a: number[], b: number[]): number {
  const both = a.flatMap((x, j) => (Number.isNaN(x) ? [] : [[x, b[j]!] as const]));
  const n = both.length;
  const ma = both.reduce((s, [x]) => s + x, 0) / n;
  const mb = both.reduce((s, [, y]) => s + y, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (const [x, y] of both) [sab, saa, sbb] = [sab + (x - ma) * (y - mb), saa + (x - ma) ** 2, sbb + (y - mb) ** 2];
  return n > 2 ? sab / Math.sqrt(saa * sbb) : -Infinity;
}

async function main(): Promise<void> {
  const { suite } = await suiteFromArgs(process.argv.slice(2), 'identify.ts');
  const sign = suite.goal === 'minimize' ? -1 : 1;
  const key = (c: unknown) => JSON.stringify(c);
  // Normal scores (centre 0, spread 1) of the values as maximised, diverged runs last, by configuration.
  const byConfig = suite.tasks.map((t) => {
    const z = rankScores(Float64Array.from(t.values, (x) => (Number.isFinite(x) ? sign * x : -Infinity)), 0, 1);
    return new Map(t.configs.map((c, j) => [key(c), z[j]!] as const));
  });
  const rules: [string, Weights][] = [
    ['zero-shot (equal)', equal],
    ['probit τ 0.3', probit(0.3)],
    ['probit τ 1', probit(1)],
    ['fewest misordered', fewestMisordered],
    ['affine evidence, sd 0.3', affineEvidence(0.3)],
    ['most similar task, in hindsight', mostSimilar],
  ];
  for (const [name, weights] of rules) {
    const counts = suite.tasks.map((task, t) => {
      const pool = task.configs.map(key);
      const zs = byConfig.filter((__, i) => i !== t).map((m) => pool.map((c) => m.get(c) ?? NaN));
      const truth = pool.map((c) => byConfig[t]!.get(c)!);
      const best = truth.indexOf(Math.max(...truth));
      const chosen: number[] = [];
      const y: number[] = [];
      for (let k = 1; k <= 30; k++) {
        const w = weights(zs, chosen, y, truth);
        let pick = -1;
        let pickScore = -Infinity;
        for (let j = 0; j < truth.length; j++) {
          if (chosen.includes(j)) continue;
          // The weighted mean over the tasks that measured j; -Infinity where none did.
          let sum = 0;
          let weight = 0;
          for (const [i, z] of zs.entries()) if (!Number.isNaN(z[j]!) && w[i]! > 0) [sum, weight] = [sum + w[i]! * z[j]!, weight + w[i]!];
          const s = weight > 0 ? sum / weight : -Infinity;
          if (pick < 0 || s > pickScore) [pick, pickScore] = [j, s];
        }
        if (pick === best) return k;
        chosen.push(pick);
        y.push(truth[pick]!);
      }
      return Infinity;
    });
    const median = medianEvaluations(counts.map((c) => (Number.isFinite(c) ? c : null)));
    console.log(`${name}: median task ${median ?? '> 30'} (per task ${counts.map((c) => (Number.isFinite(c) ? c : '-')).join(' ')})`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
