// The tanh MLP feature map φ (HyperBO §2.4): Dense layers each followed by tanh, including the last.
// Parameters live in a slice of the flat parameter vector: per layer, W (in×out row-major) then b (out).

import type { Rng } from './types';

/** Number of parameters of an MLP with these widths on inputs of dimension inputDim. */
export function mlpParamCount(inputDim: number, widths: readonly number[]): number {
  let count = 0;
  let fanIn = inputDim;
  for (const w of widths) {
    count += fanIn * w + w;
    fanIn = w;
  }
  return count;
}

/** Offsets of each layer's weights and biases inside the MLP slice (relative to its start). */
export interface MlpLayerSlices {
  readonly fanIn: number;
  readonly fanOut: number;
  readonly weights: number;
  readonly biases: number;
}

export function mlpLayerSlices(inputDim: number, widths: readonly number[]): MlpLayerSlices[] {
  const layers: MlpLayerSlices[] = [];
  let fanIn = inputDim;
  let offset = 0;
  for (const w of widths) {
    layers.push({ fanIn, fanOut: w, weights: offset, biases: offset + fanIn * w });
    offset += fanIn * w + w;
    fanIn = w;
  }
  return layers;
}

/**
 * LeCun-normal weights (truncated at ±2σ and rescaled to variance 1/fan_in, as Flax does) and zero
 * biases, written into params[offset ...].
 */
export function mlpInit(params: Float64Array, offset: number, inputDim: number, widths: readonly number[], rng: Rng): void {
  // Std of a standard normal truncated to [-2, 2]; dividing by it restores unit variance.
  const truncatedStd = 0.8796256610342398;
  for (const layer of mlpLayerSlices(inputDim, widths)) {
    const scale = Math.sqrt(1 / layer.fanIn) / truncatedStd;
    const count = layer.fanIn * layer.fanOut;
    for (let i = 0; i < count; i++) {
      let z = rng.normal();
      while (z < -2 || z > 2) z = rng.normal();
      params[offset + layer.weights + i] = z * scale;
    }
    params.fill(0, offset + layer.biases, offset + layer.biases + layer.fanOut);
  }
}

/** Activations kept by the forward pass for the backward pass. */
export interface MlpCache {
  readonly n: number;
  readonly input: Float64Array;
  /** activations[l] is n×widths[l], the tanh output of layer l; the last one is φ(x). */
  readonly activations: Float64Array[];
}

/** φ(x) for n inputs (n×inputDim row-major); returns the cache whose last activation is φ. */
export function mlpForward(
  params: Float64Array,
  offset: number,
  inputDim: number,
  widths: readonly number[],
  x: Float64Array,
  n: number,
  reuse?: MlpCache,
): MlpCache {
  const layers = mlpLayerSlices(inputDim, widths);
  const activations: Float64Array[] = [];
  let input = x;
  for (let l = 0; l < layers.length; l++) {
    const { fanIn, fanOut, weights, biases } = layers[l];
    const prev = reuse?.activations[l];
    const out = prev && prev.length === n * fanOut && reuse!.n === n ? prev : new Float64Array(n * fanOut);
    const w0 = offset + weights;
    const b0 = offset + biases;
    for (let i = 0; i < n; i++) {
      const ro = i * fanOut;
      for (let o = 0; o < fanOut; o++) out[ro + o] = params[b0 + o];
      const ri = i * fanIn;
      for (let k = 0; k < fanIn; k++) {
        const v = input[ri + k];
        const wk = w0 + k * fanOut;
        for (let o = 0; o < fanOut; o++) out[ro + o] += v * params[wk + o];
      }
      for (let o = 0; o < fanOut; o++) out[ro + o] = Math.tanh(out[ro + o]);
    }
    activations.push(out);
    input = out;
  }
  return { n, input: x, activations };
}

/**
 * Vector-Jacobian product: given dL/dφ (n×lastWidth), accumulates dL/dparams into
 * gradParams[offset ...] and, when given, dL/dx into gradInput (n×inputDim).
 * `gradOutput` is overwritten (used as scratch).
 */
export function mlpBackward(
  params: Float64Array,
  offset: number,
  inputDim: number,
  widths: readonly number[],
  cache: MlpCache,
  gradOutput: Float64Array,
  gradParams: Float64Array | null,
  gradInput: Float64Array | null,
): void {
  const layers = mlpLayerSlices(inputDim, widths);
  const n = cache.n;
  let delta = gradOutput;
  for (let l = layers.length - 1; l >= 0; l--) {
    const { fanIn, fanOut, weights, biases } = layers[l];
    const act = cache.activations[l];
    const input = l === 0 ? cache.input : cache.activations[l - 1];
    // Through tanh: d pre-activation = d out · (1 − out²).
    for (let i = 0; i < n * fanOut; i++) delta[i] *= 1 - act[i] * act[i];
    const w0 = offset + weights;
    const b0 = offset + biases;
    if (gradParams) {
      for (let i = 0; i < n; i++) {
        const rd = i * fanOut;
        const ri = i * fanIn;
        for (let o = 0; o < fanOut; o++) gradParams[b0 + o] += delta[rd + o];
        for (let k = 0; k < fanIn; k++) {
          const v = input[ri + k];
          if (v === 0) continue;
          const wk = w0 + k * fanOut;
          for (let o = 0; o < fanOut; o++) gradParams[wk + o] += v * delta[rd + o];
        }
      }
    }
    if (l === 0 && !gradInput) break;
    const next = l === 0 ? gradInput! : new Float64Array(n * fanIn);
    for (let i = 0; i < n; i++) {
      const rd = i * fanOut;
      const ri = i * fanIn;
      for (let k = 0; k < fanIn; k++) {
        const wk = w0 + k * fanOut;
        let s = 0;
        for (let o = 0; o < fanOut; o++) s += params[wk + o] * delta[rd + o];
        if (l === 0) next[ri + k] += s;
        else next[ri + k] = s;
      }
    }
    delta = next;
  }
}
