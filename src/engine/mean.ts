// Mean functions (HyperBO §2.2): zero, constant c, linear w·x + b, and linear on the MLP features w·φ(x) + b.
// All mean parameters are unconstrained (identity transform).

import type { ParamLayout } from './model';

/**
 * m(x) for n points. `x` is n×dim, `features` is φ(x) (n×mlp width) and is only read by the
 * 'linear-mlp' mean.
 */
export function meanForward(
  layout: ParamLayout,
  theta: Float64Array,
  x: Float64Array,
  n: number,
  features: Float64Array | null,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  switch (layout.spec.mean) {
    case 'zero':
      out.fill(0, 0, n);
      return out;
    case 'constant':
      out.fill(theta[layout.constant], 0, n);
      return out;
    case 'linear':
    case 'linear-mlp': {
      const input = layout.spec.mean === 'linear' ? x : features!;
      const p = layout.linearWeightCount;
      const w0 = layout.linearWeights;
      const b = theta[layout.linearBias];
      for (let i = 0; i < n; i++) {
        let s = b;
        const r = i * p;
        for (let c = 0; c < p; c++) s += theta[w0 + c] * input[r + c];
        out[i] = s;
      }
      return out;
    }
  }
}

/**
 * Reverse mode through m: given g = dL/dm (n), accumulates into `grad` (flat, unconstrained) the
 * mean parameters' gradient, into `gradFeatures` (n×width) dL/dφ for 'linear-mlp', and into
 * `gradInput` (n×dim) dL/dx for 'linear'. Buffers that are null are skipped.
 */
export function meanBackward(
  layout: ParamLayout,
  theta: Float64Array,
  x: Float64Array,
  n: number,
  features: Float64Array | null,
  g: Float64Array,
  grad: Float64Array | null,
  gradFeatures: Float64Array | null,
  gradInput: Float64Array | null,
): void {
  switch (layout.spec.mean) {
    case 'zero':
      return;
    case 'constant': {
      if (!grad) return;
      let s = 0;
      for (let i = 0; i < n; i++) s += g[i];
      grad[layout.constant] += s;
      return;
    }
    case 'linear':
    case 'linear-mlp': {
      const isMlp = layout.spec.mean === 'linear-mlp';
      const input = isMlp ? features! : x;
      const target = isMlp ? gradFeatures : gradInput;
      const p = layout.linearWeightCount;
      const w0 = layout.linearWeights;
      let sb = 0;
      for (let i = 0; i < n; i++) {
        const gi = g[i];
        if (gi === 0) continue;
        sb += gi;
        const r = i * p;
        if (grad) for (let c = 0; c < p; c++) grad[w0 + c] += gi * input[r + c];
        if (target) for (let c = 0; c < p; c++) target[r + c] += gi * theta[w0 + c];
      }
      if (grad) grad[layout.linearBias] += sb;
      return;
    }
  }
}
