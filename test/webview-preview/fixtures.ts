// Realistic-looking panel data for the preview page and the webview unit tests: a seeded synthetic
// experiment shaped like examples/digits-mlp.hyperbo.yaml (four PD1 optimiser parameters, error rate).
import type {
  Contour2D, ParameterInfo, Params, PosteriorResult, ProvenanceResult, Slice1D, SuggestResult, TrialDTO, TrialHistoryResult,
} from '../../src/shared/dto';

export const fixtureUri = 'file:///workspace/digits-mlp.hyperbo.yaml';

export const fixtureParameters: ParameterInfo[] = [
  { name: 'learning_rate', type: 'float', low: 1e-5, high: 10, scale: 'log' },
  { name: 'one_minus_momentum', type: 'float', low: 1e-3, high: 1, scale: 'log' },
  { name: 'lr_decay_power', type: 'float', low: 0.1, high: 2, scale: 'linear' },
  { name: 'lr_decay_steps_factor', type: 'float', low: 0.01, high: 0.99, scale: 'linear' },
];

/** mulberry32: small, seeded, good enough for fixture noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toUnit(p: ParameterInfo, v: number): number {
  return p.scale === 'log' ? (Math.log(v) - Math.log(p.low!)) / (Math.log(p.high!) - Math.log(p.low!)) : (v - p.low!) / (p.high! - p.low!);
}

function fromUnit(p: ParameterInfo, u: number): number {
  return p.scale === 'log' ? Math.exp(Math.log(p.low!) + u * (Math.log(p.high!) - Math.log(p.low!))) : p.low! + u * (p.high! - p.low!);
}

const optimum = [0.62, 0.45, 0.5, 0.7];
const weights = [0.55, 0.22, 0.05, 0.03];

/** The synthetic objective: validation error rate, minimised, around 0.03 at the optimum. */
export function errorRate(params: Params): number {
  let value = 0.031;
  fixtureParameters.forEach((p, i) => {
    value += weights[i] * (toUnit(p, params[p.name] as number) - optimum[i]) ** 2;
  });
  return Math.min(0.9, value);
}

function round(v: number, digits = 4): number {
  return Number(v.toPrecision(digits));
}

export function fixtureTrials(count = 12): TrialDTO[] {
  const random = seededRandom(7);
  const trials: TrialDTO[] = [];
  for (let id = 1; id <= count; id++) {
    // Later trials concentrate near the optimum, as BO would.
    const pull = Math.min(0.85, (id - 1) / count);
    const params: Params = {};
    fixtureParameters.forEach((p, i) => {
      const u = (1 - pull) * random() + pull * (optimum[i] + (random() - 0.5) * 0.2);
      params[p.name] = round(fromUnit(p, Math.min(1, Math.max(0, u))));
    });
    const status: TrialDTO['status'] = id === count ? 'running' : id === 4 ? 'failed' : 'completed';
    const final = errorRate(params) + random() * 0.004;
    const steps = status === 'running' ? 18 : status === 'failed' ? 6 : 40;
    const curve = Array.from({ length: steps }, (_, s) => ({
      step: (s + 1) * 50,
      value: round(final + (0.9 - final) * Math.exp(-(s + 1) / 6) + (random() - 0.5) * 0.01),
    }));
    const started = new Date(Date.UTC(2025, 10, 20, 9, 0) + id * 150_000);
    const trial: TrialDTO = {
      id, params, status, curve,
      log: `runs/${id}/metrics.jsonl`,
      started: started.toISOString(),
    };
    if (status === 'completed') {
      trial.value = round(Math.min(...curve.map((c) => c.value)));
      trial.finished = new Date(started.getTime() + 95_000 + Math.round(random() * 40_000)).toISOString();
    }
    if (status === 'failed') {
      trial.reason = 'process exited with code 1 (loss became NaN at step 300)';
      trial.finished = new Date(started.getTime() + 31_000).toISOString();
    }
    trials.push(trial);
  }
  return trials;
}

export function fixtureHistory(trials = fixtureTrials()): TrialHistoryResult {
  return {
    uri: fixtureUri,
    experiment: 'digits-mlp-relu-32-bs128',
    metric: 'valid/error_rate',
    goal: 'minimize',
    parameters: fixtureParameters,
    trials,
  };
}

function bestOf(trials: TrialDTO[]): TrialDTO {
  return trials.filter((t) => t.status === 'completed').reduce((a, b) => (b.value! < a.value! ? b : a));
}

/** A stand-in posterior: the objective plus a smooth bias, with sd growing away from the observations. */
function predict(params: Params, observed: Params[], prior: boolean): { mean: number; sd: number } {
  const f = errorRate(params);
  if (prior) return { mean: 0.12 + 0.4 * (f - 0.031), sd: 0.06 };
  let nearest = Infinity;
  for (const o of observed) {
    let d = 0;
    fixtureParameters.forEach((p) => { d += (toUnit(p, params[p.name] as number) - toUnit(p, o[p.name] as number)) ** 2; });
    nearest = Math.min(nearest, Math.sqrt(d));
  }
  return { mean: f + 0.004 * Math.sin(7 * toUnit(fixtureParameters[0], params.learning_rate as number)), sd: 0.002 + 0.06 * (1 - Math.exp(-((nearest / 0.3) ** 2))) };
}

const beta = 3;
function ucb(mean: number, sd: number): number {
  return -(mean - beta * sd);
}

export function fixturePosterior(options: { includePrior?: boolean; anchor?: 'best' | 'suggested'; pair?: [string, string] } = {}): PosteriorResult {
  const trials = fixtureTrials();
  const done = trials.filter((t) => t.status === 'completed');
  const observed = done.map((t) => t.params);
  const anchor: Params = options.anchor === 'suggested' ? fixtureSuggestions().suggestions[0].params : bestOf(trials).params;
  const slices: Slice1D[] = fixtureParameters.map((p) => {
    const xs = Array.from({ length: 60 }, (_, i) => round(fromUnit(p, i / 59), 6));
    const preds = xs.map((x) => predict({ ...anchor, [p.name]: x }, observed, false));
    const slice: Slice1D = {
      param: p.name, scale: p.scale ?? 'linear', xs,
      mean: preds.map((q) => round(q.mean, 6)), sd: preds.map((q) => round(q.sd, 6)),
      acquisition: preds.map((q) => round(ucb(q.mean, q.sd), 6)),
    };
    if (options.includePrior) {
      const priors = xs.map((x) => predict({ ...anchor, [p.name]: x }, observed, true));
      slice.priorMean = priors.map((q) => round(q.mean, 6));
      slice.priorSd = priors.map((q) => q.sd);
    }
    return slice;
  });
  const [px, py] = options.pair ?? ['learning_rate', 'one_minus_momentum'];
  const ix = fixtureParameters.find((p) => p.name === px)!;
  const iy = fixtureParameters.find((p) => p.name === py)!;
  const n = 40;
  const xs = Array.from({ length: n }, (_, i) => round(fromUnit(ix, i / (n - 1)), 6));
  const ys = Array.from({ length: n }, (_, j) => round(fromUnit(iy, j / (n - 1)), 6));
  const contour: Contour2D = { x: px, y: py, xs, ys, mean: [], sd: [], acquisition: [] };
  for (const y of ys) {
    const row = xs.map((x) => predict({ ...anchor, [px]: x, [py]: y }, observed, false));
    contour.mean.push(row.map((q) => round(q.mean, 5)));
    contour.sd.push(row.map((q) => round(q.sd, 5)));
    contour.acquisition.push(row.map((q) => round(ucb(q.mean, q.sd), 5)));
  }
  return {
    uri: fixtureUri, metric: 'valid/error_rate', goal: 'minimize', parameters: fixtureParameters,
    anchor, anchorKind: options.anchor ?? 'best', slices, contour,
    observations: done.map((t) => ({ trialId: t.id, params: t.params, value: t.value! })),
  };
}

export function fixtureSuggestions(): SuggestResult {
  const trials = fixtureTrials();
  const best = bestOf(trials);
  const random = seededRandom(11);
  const suggestions = [0, 1, 2].map((k) => {
    const params: Params = {};
    const deltaFromBest: Record<string, number> = {};
    fixtureParameters.forEach((p, i) => {
      const u = Math.min(1, Math.max(0, optimum[i] + (random() - 0.5) * (0.08 + 0.1 * k)));
      params[p.name] = round(fromUnit(p, u));
      deltaFromBest[p.name] = round(u - toUnit(p, best.params[p.name] as number), 3);
    });
    const sd = 0.003 + 0.004 * k;
    const mean = errorRate(params) + 0.002;
    return { params, predictedMean: round(mean), predictedSd: round(sd, 3), acquisition: round(ucb(mean, sd)), deltaFromBest };
  });
  return {
    uri: fixtureUri, experiment: 'digits-mlp-relu-32-bs128', goal: 'minimize', metric: 'valid/error_rate',
    suggestions, best: { trialId: best.id, value: best.value!, params: best.params }, model: 'pretrained', acquisition: 'UCB (β = 1)',
  };
}

export function fixtureProvenance(): ProvenanceResult {
  const random = seededRandom(3);
  const datasets = ['mnist', 'fashion_mnist', 'cifar10', 'svhn_no_extra', 'wine', 'breast_cancer', 'iris'];
  const models = ['mlp-relu-32', 'mlp-relu-64', 'cnn-pool'];
  const tasks = Array.from({ length: 15 }, (_, i) => {
    const name = `${datasets[i % datasets.length]}/${models[i % models.length]}/${[64, 128, 256][i % 3]}`;
    const pairs = 45;
    return { name, source: `data/pd1-mini/${name.replace(/\//g, '_')}.jsonl.gz`, points: 80 + Math.round(random() * 220), agreement: { pairs, concordant: Math.round(pairs * (0.45 + 0.5 * random())) } };
  });
  return {
    uri: fixtureUri, model: 'pretrained', objective: 'nll', trainingLevel: 'estimated', mean: 'linear-mlp', kernel: 'matern52', kernelOnFeatures: true,
    tasks, matchedGroups: 12, finalLoss: 0.8314, trainedAt: '2025-11-20T08:41:12Z', cacheKey: '3f9c2a71d0be',
    hyperparameters: { lengthscales: [0.412, 0.873, 2.31, 3.05], signal_variance: 0.9214, noise_variance: 0.0123, constant_mean: -0.118 },
    heldOut: { points: 10, meanLogLik: 1.874, rmse: 0.0061 },
    output: { goal: 'minimize', warp: 'log', tails: 'auto', normalization: 'none', values: 10, infeasible: 1, halfRank: false },
    coverage: [
      {
        name: 'learning_rate', categorical: false, space: [1e-5, 10], measured: [1.1e-5, 0.98],
        gap: 'No training task of the prior measured learning_rate above 0.98 (the search space: 1e-5 to 10): the prior extrapolates there. Narrow the range, or add data that reach it to prior.from.',
      },
      { name: 'one_minus_momentum', categorical: false, space: [1e-3, 1], measured: [1.02e-3, 0.996] },
      { name: 'lr_decay_power', categorical: false, space: [0.1, 2], measured: [0.101, 1.99] },
      { name: 'lr_decay_steps_factor', categorical: false, space: [0.01, 0.99], measured: [0.0107, 0.987] },
    ],
  };
}
