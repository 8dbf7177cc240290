// The bundled classification data sets (data/datasets/*.json.gz) with a fixed, seeded train/validation split.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRng, shuffleInPlace } from '../engine';
import type { Dataset } from './mlp';

export const DATASETS = ['iris', 'wine', 'breast_cancer', 'digits', 'seattle_weather', 'cars'] as const;
export type DatasetName = (typeof DATASETS)[number];

/**
 * Share of each data set held out for validation. Breast cancer uses half so that the best error rates
 * (1–3 %) are not dominated by ties between runs that differ by one validation example.
 */
export const VALID_FRACTION: Record<DatasetName, number> = { iris: 0.3, wine: 0.3, breast_cancer: 0.5, digits: 0.3, seattle_weather: 0.3, cars: 0.3 };

/** data/datasets next to the package root, whether running from src/ (tsx) or dist/ (bundled). */
export function datasetDir(): string {
  for (const dir of [path.join(__dirname, '..', '..', 'data', 'datasets'), path.join(__dirname, '..', 'data', 'datasets')]) {
    try {
      readFileSync(path.join(dir, 'iris.json.gz'));
      return dir;
    } catch {
      // try the next layout
    }
  }
  throw new Error('The bundled data sets (data/datasets/*.json.gz) were not found.');
}

/** Loads a data set, splits it (seeded; VALID_FRACTION held out) and standardises features with training-split statistics. */
export function loadSplit(name: DatasetName, seed = 0): { train: Dataset; valid: Dataset } {
  if (!DATASETS.includes(name)) throw new Error(`Unknown data set "${name}"; use one of ${DATASETS.join(', ')}.`);
  const raw = JSON.parse(gunzipSync(readFileSync(path.join(datasetDir(), `${name}.json.gz`))).toString('utf8')) as {
    x: number[][];
    y: number[];
    classes: number;
    features: number;
  };
  const n = raw.x.length;
  const d = raw.features;
  const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), createRng(1000 + seed));
  const nTrain = Math.round((1 - VALID_FRACTION[name]) * n);
  const pick = (rows: number[]) => ({ x: Float64Array.from(rows.flatMap((r) => raw.x[r]!)), y: Int32Array.from(rows.map((r) => raw.y[r]!)) });
  const tr = pick(order.slice(0, nTrain));
  const va = pick(order.slice(nTrain));
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < nTrain; i++) mean += tr.x[i * d + j]!;
    mean /= nTrain;
    let variance = 0;
    for (let i = 0; i < nTrain; i++) variance += (tr.x[i * d + j]! - mean) ** 2;
    const std = Math.sqrt(variance / nTrain) || 1;
    for (const part of [tr, va]) for (let i = 0; i < part.y.length; i++) part.x[i * d + j] = (part.x[i * d + j]! - mean) / std;
  }
  return {
    train: { name, x: tr.x, y: tr.y, n: tr.y.length, d, classes: raw.classes },
    valid: { name, x: va.x, y: va.y, n: va.y.length, d, classes: raw.classes },
  };
}
