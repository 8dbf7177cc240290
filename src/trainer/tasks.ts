// The task family of the bundled PD1-style data: (data set, model, batch size).
import type { DatasetName } from './datasets';
import type { TrainConfig } from './mlp';

export const MODELS = {
  'mlp-relu-32': { hidden: [32], activation: 'relu' },
  'mlp-tanh-32-32': { hidden: [32, 32], activation: 'tanh' },
} as const satisfies Record<string, Pick<TrainConfig, 'hidden' | 'activation'>>;

export const BATCH_SIZES = [16, 128] as const;

/**
 * The data sets of the generated PD1-style family. Iris and wine are left out: their validation splits are so
 * small and easy that many runs reach 0 or 1 errors, and ties at the optimum make regret curves meaningless
 * (and −log(0 + 1e−10) an outlier under the paper's warp).
 */
export const TASK_DATASETS = ['digits', 'breast_cancer', 'seattle_weather', 'cars'] as const satisfies readonly DatasetName[];

/** Epochs per data set: enough for a sensible configuration to converge, small enough to generate quickly. */
export const EPOCHS: Record<DatasetName, number> = { iris: 30, wine: 30, breast_cancer: 10, digits: 6, seattle_weather: 8, cars: 30 };
