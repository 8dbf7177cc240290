// The task family of the bundled PD1-style data: (data set, model, batch size).
import type { DatasetName } from './datasets';
import type { TrainConfig } from './mlp';

export const MODELS = {
  'mlp-relu-32': { hidden: [32], activation: 'relu' },
  'mlp-tanh-64-32': { hidden: [64, 32], activation: 'tanh' },
} as const satisfies Record<string, Pick<TrainConfig, 'hidden' | 'activation'>>;

export const BATCH_SIZES = [16, 128] as const;

/** Epochs per data set: enough for a sensible configuration to converge, small enough to generate quickly. */
export const EPOCHS: Record<DatasetName, number> = { iris: 30, wine: 30, breast_cancer: 12, digits: 6 };
