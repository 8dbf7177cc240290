// Experiment files and workspaces for the server's connection-free services (test/unit/server/*.test.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TrialDTO } from '../../../src/shared/dto';
import type { ExperimentEntry } from '../../../src/server/service/workspaceIndex';

/** Objective and a 2-D space (lr on a log scale, mom linear). */
export const HEAD = `objective: { metric: score, goal: minimize }
search_space:
  lr:  { type: float, low: 1.0e-4, high: 1, scale: log }
  mom: { type: float, low: 0, high: 1 }
`;

/** A completed trial's YAML line, valued by a smooth bowl with its minimum at lr = 10^-1.5, mom = 0.4. */
export const completedTrial = (id: number, lr: number, mom: number): string =>
  `  - { id: ${id}, params: { lr: ${lr}, mom: ${mom} }, status: completed, value: ${((Math.log10(lr) + 1.5) ** 2 + (mom - 0.4) ** 2).toPrecision(6)} }`;

/** Five completed trials spread over the space. */
export const FIVE_TRIALS = [completedTrial(1, 0.0001, 0.1), completedTrial(2, 0.001, 0.9), completedTrial(3, 0.01, 0.5), completedTrial(4, 0.03, 0.3), completedTrial(5, 0.3, 0.7)];

/** The trials as the file records them (the server refines them by their logs; these workspaces have none). */
export const fileTrials = (entry: ExperimentEntry): TrialDTO[] =>
  (entry.experiment?.trials ?? []).map((t) => ({ id: t.id, params: t.params as TrialDTO['params'], status: t.status, ...(t.value !== undefined ? { value: t.value } : {}) }));

export const tempFolder = (prefix: string): Promise<string> => mkdtemp(path.join(tmpdir(), `hyperbo-${prefix}-`));
export const removeFolder = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });
