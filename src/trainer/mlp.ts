// A small, real neural-network trainer: an MLP classifier trained with minibatch SGD + Nesterov momentum and a
// polynomial learning-rate decay — the optimiser PD1 tunes. Pure TypeScript, seeded, no I/O.
import { createRng, shuffleInPlace } from '../engine';

export interface Dataset {
  readonly name: string;
  /** n×d row-major features (already standardised). */
  readonly x: Float64Array;
  readonly y: Int32Array;
  readonly n: number;
  readonly d: number;
  readonly classes: number;
}

export interface TrainConfig {
  readonly hidden: readonly number[];
  readonly activation: 'relu' | 'tanh';
  readonly batchSize: number;
  readonly epochs: number;
  /** Initial learning rate η0. */
  readonly learningRate: number;
  /** Momentum β (PD1 stores β; the search runs on 1 − β). */
  readonly momentum: number;
  /** Polynomial decay power p. */
  readonly power: number;
  /** Fraction of all steps over which the rate decays from η0 to η0/1000, then stays. */
  readonly decayStepsFactor: number;
  readonly seed: number;
  /**
   * Validation cross-entropy as logsumexp(z) − z_label from the logits (no clamping of probabilities, so a
   * saturated network can score exactly 0 and a blown-up one a huge finite value), and evaluated also at the
   * epoch where training diverged (NaN weights give NaN). Default false: probabilities clamped at 1e-12 and no
   * validation after divergence (how data/pd1-mini was made).
   */
  readonly exactCrossEntropy?: boolean;
}

export interface EpochResult {
  epoch: number;
  step: number;
  trainLoss: number;
  validErrorRate: number;
  validCrossEntropy: number;
}

export interface TrainResult {
  status: 'done' | 'diverged';
  epochs: EpochResult[];
}

/** A training loss above this (or non-finite) counts as divergence: chance level is log(classes) ≤ 2.3 here. */
export const DIVERGENCE_LOSS = 100;

/** Learning rate after `step` of `total` steps: η_end + (η0 − η_end)(1 − min(t, T)/T)^p with T = factor·total. */
export function learningRateAt(cfg: Pick<TrainConfig, 'learningRate' | 'power' | 'decayStepsFactor'>, step: number, total: number): number {
  const decaySteps = Math.max(1, Math.round(cfg.decayStepsFactor * total));
  const end = cfg.learningRate * 1e-3;
  const frac = 1 - Math.min(step, decaySteps) / decaySteps;
  return end + (cfg.learningRate - end) * Math.pow(frac, cfg.power);
}

interface Layer {
  inputs: number;
  outputs: number;
  w: Float64Array; // outputs × inputs
  b: Float64Array;
  gw: Float64Array;
  gb: Float64Array;
  vw: Float64Array; // momentum buffers
  vb: Float64Array;
}

function makeLayers(sizes: number[], seed: number): Layer[] {
  const rng = createRng(seed);
  const layers: Layer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l]!;
    const outputs = sizes[l + 1]!;
    const std = Math.sqrt(2 / (inputs + outputs)); // Glorot normal
    const w = new Float64Array(outputs * inputs);
    for (let i = 0; i < w.length; i++) w[i] = std * rng.normal();
    layers.push({
      inputs,
      outputs,
      w,
      b: new Float64Array(outputs),
      gw: new Float64Array(w.length),
      gb: new Float64Array(outputs),
      vw: new Float64Array(w.length),
      vb: new Float64Array(outputs),
    });
  }
  return layers;
}

/**
 * Forward pass for rows of x; returns per-layer activations (last = softmax probabilities). With `logProbs`,
 * also writes log-softmax (z − max − log Σ exp(z − max)) computed from the logits.
 */
function forward(
  layers: Layer[],
  activation: TrainConfig['activation'],
  x: Float64Array,
  rows: ArrayLike<number>,
  d: number,
  acts: Float64Array[],
  logProbs?: Float64Array,
): void {
  const m = rows.length;
  const input = acts[0]!;
  for (let r = 0; r < m; r++) input.set(x.subarray(rows[r]! * d, rows[r]! * d + d), r * d);
  for (let l = 0; l < layers.length; l++) {
    const { inputs, outputs, w, b } = layers[l]!;
    const a = acts[l]!;
    const z = acts[l + 1]!;
    const last = l === layers.length - 1;
    for (let r = 0; r < m; r++) {
      const ao = r * inputs;
      for (let o = 0; o < outputs; o++) {
        let s = b[o]!;
        const wo = o * inputs;
        for (let i = 0; i < inputs; i++) s += w[wo + i]! * a[ao + i]!;
        z[r * outputs + o] = last ? s : activation === 'relu' ? (s > 0 ? s : 0) : Math.tanh(s);
      }
      if (last) {
        let max = -Infinity;
        for (let o = 0; o < outputs; o++) max = Math.max(max, z[r * outputs + o]!);
        let sum = 0;
        if (logProbs) for (let o = 0; o < outputs; o++) logProbs[r * outputs + o] = z[r * outputs + o]! - max;
        for (let o = 0; o < outputs; o++) sum += z[r * outputs + o] = Math.exp(z[r * outputs + o]! - max);
        for (let o = 0; o < outputs; o++) z[r * outputs + o]! /= sum;
        if (logProbs) {
          const logSum = Math.log(sum);
          for (let o = 0; o < outputs; o++) logProbs[r * outputs + o]! -= logSum;
        }
      }
    }
  }
}

function evaluate(layers: Layer[], cfg: TrainConfig, data: Dataset): { errorRate: number; crossEntropy: number } {
  const chunk = 256;
  const sizes = [data.d, ...cfg.hidden, data.classes];
  const acts = sizes.map((s) => new Float64Array(chunk * s));
  let errors = 0;
  let ce = 0;
  const rows = new Int32Array(chunk);
  const logProbs = cfg.exactCrossEntropy ? new Float64Array(chunk * data.classes) : undefined;
  for (let start = 0; start < data.n; start += chunk) {
    const m = Math.min(chunk, data.n - start);
    for (let r = 0; r < m; r++) rows[r] = start + r;
    forward(layers, cfg.activation, data.x, rows.subarray(0, m), data.d, acts, logProbs);
    const p = acts.at(-1)!;
    for (let r = 0; r < m; r++) {
      const label = data.y[start + r]!;
      let best = 0;
      for (let o = 1; o < data.classes; o++) if (p[r * data.classes + o]! > p[r * data.classes + best]!) best = o;
      if (best !== label) errors++;
      ce -= logProbs ? logProbs[r * data.classes + label]! : Math.log(Math.max(p[r * data.classes + label]!, 1e-12));
    }
  }
  return { errorRate: errors / data.n, crossEntropy: ce / data.n };
}

/** Trains on `train`, evaluating on `valid` after every epoch; stops early when the loss diverges. */
export function train(trainSet: Dataset, valid: Dataset, cfg: TrainConfig, onEpoch?: (r: EpochResult) => void): TrainResult {
  const sizes = [trainSet.d, ...cfg.hidden, trainSet.classes];
  const layers = makeLayers(sizes, cfg.seed);
  const rng = createRng(cfg.seed + 1);
  const bs = Math.min(cfg.batchSize, trainSet.n);
  const stepsPerEpoch = Math.ceil(trainSet.n / bs);
  const total = stepsPerEpoch * cfg.epochs;
  const acts = sizes.map((s) => new Float64Array(bs * s));
  const deltas = sizes.map((s) => new Float64Array(bs * s));
  const order = Array.from({ length: trainSet.n }, (_, i) => i);
  const epochs: EpochResult[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    shuffleInPlace(order, rng);
    let lossSum = 0;
    for (let start = 0; start < trainSet.n; start += bs) {
      const rows = order.slice(start, start + bs);
      const m = rows.length;
      forward(layers, cfg.activation, trainSet.x, rows, trainSet.d, acts);
      // Output delta: softmax − one-hot, averaged over the batch.
      const p = acts.at(-1)!;
      const dOut = deltas.at(-1)!;
      const k = trainSet.classes;
      let batchLoss = 0;
      for (let r = 0; r < m; r++) {
        const label = trainSet.y[rows[r]!]!;
        batchLoss -= Math.log(Math.max(p[r * k + label]!, 1e-300));
        for (let o = 0; o < k; o++) dOut[r * k + o] = (p[r * k + o]! - (o === label ? 1 : 0)) / m;
      }
      lossSum += batchLoss;
      // NaN weights never recover: stop at once instead of finishing the epoch.
      if (!Number.isFinite(batchLoss)) break;
      for (let l = layers.length - 1; l >= 0; l--) {
        const L = layers[l]!;
        const a = acts[l]!;
        const dz = deltas[l + 1]!;
        L.gw.fill(0);
        L.gb.fill(0);
        for (let r = 0; r < m; r++) {
          for (let o = 0; o < L.outputs; o++) {
            const g = dz[r * L.outputs + o]!;
            if (g === 0) continue;
            L.gb[o]! += g;
            const wo = o * L.inputs;
            const ao = r * L.inputs;
            for (let i = 0; i < L.inputs; i++) L.gw[wo + i]! += g * a[ao + i]!;
          }
        }
        if (l > 0) {
          const da = deltas[l]!;
          for (let r = 0; r < m; r++) {
            for (let i = 0; i < L.inputs; i++) {
              let s = 0;
              for (let o = 0; o < L.outputs; o++) s += L.w[o * L.inputs + i]! * dz[r * L.outputs + o]!;
              const act = a[r * L.inputs + i]!;
              da[r * L.inputs + i] = cfg.activation === 'relu' ? (act > 0 ? s : 0) : s * (1 - act * act);
            }
          }
        }
      }
      // Nesterov momentum: v ← βv + g; θ ← θ − η(g + βv).
      const lr = learningRateAt(cfg, step, total);
      const beta = cfg.momentum;
      for (const L of layers) {
        for (let i = 0; i < L.w.length; i++) {
          const v = (L.vw[i] = beta * L.vw[i]! + L.gw[i]!);
          L.w[i]! -= lr * (L.gw[i]! + beta * v);
        }
        for (let i = 0; i < L.b.length; i++) {
          const v = (L.vb[i] = beta * L.vb[i]! + L.gb[i]!);
          L.b[i]! -= lr * (L.gb[i]! + beta * v);
        }
      }
      step++;
    }
    const trainLoss = lossSum / trainSet.n;
    if (!Number.isFinite(trainLoss) || trainLoss > DIVERGENCE_LOSS) {
      const atDivergence = cfg.exactCrossEntropy ? evaluate(layers, cfg, valid) : undefined;
      const r = {
        epoch,
        step,
        trainLoss: Number.NaN,
        validErrorRate: Number.NaN,
        validCrossEntropy: atDivergence ? atDivergence.crossEntropy : Number.NaN,
      };
      epochs.push(r);
      onEpoch?.(r);
      return { status: 'diverged', epochs };
    }
    const { errorRate, crossEntropy } = evaluate(layers, cfg, valid);
    const r = { epoch, step, trainLoss, validErrorRate: errorRate, validCrossEntropy: Number.isFinite(crossEntropy) ? crossEntropy : Number.NaN };
    epochs.push(r);
    onEpoch?.(r);
  }
  return { status: 'done', epochs };
}
