// The bundled classification data sets (data/datasets/*.json.gz) with a fixed, seeded train/validation split.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRng, shuffleInPlace } from '../engine';
import type { Dataset } from './mlp';

export const DATASETS = ['iris', 'wine', 'breast_cancer', 'digits'] as const;
export type DatasetName = (typeof DATASETS)[number];

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

/** Loads a data set, standardises features with training-split statistics, and splits 70/30 (seeded). */
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
  const nTrain = Math.round(0.7 * n);
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
