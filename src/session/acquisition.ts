// The experiment file's acquisition section as the engine takes it, for the editor's server and `hyperbo tune`
// alike (tune used to drop PI's xi). Defaults (UCB's β, PI's margin) are the engine's: DEFAULT_UCB_BETA in
// engine/acquisition.ts. `auto` (a file that names none) is EI when the experiment has no prior: on spaces with a
// categorical parameter UCB with β = 1 kept refining the first good choice (bench/EXPERIMENTS.md, "Categorical
// parameters one-hot"), and on continuous ones the two were even; with a prior it is UCB with β = 1, measured on
// the main job and pd1-mini.
import { DEFAULT_UCB_BETA, type AcquisitionOptions } from '../engine';
import type { AcquisitionSpec } from '../formats/experiment';

/** The experiment's acquisition; `auto` turns on whether the file has a prior section. */
export function acquisitionOptionsOf(experiment: { acquisition: AcquisitionSpec; prior?: unknown }): AcquisitionOptions {
  const a = experiment.acquisition;
  if (a.type === 'auto') return experiment.prior !== undefined ? { kind: 'ucb' } : { kind: 'ei' };
  if (a.type === 'ucb') return { kind: 'ucb', ...(a.beta !== undefined ? { beta: a.beta } : {}) };
  return { kind: a.type, ...(a.type === 'pi' && a.xi !== undefined ? { piMargin: a.xi } : {}) };
}

/** The acquisition in words, as the Suggestions panel and `hyperbo tune` name it. */
export function describeAcquisition(a: AcquisitionOptions): string {
  if (a.kind === 'ucb') return `UCB (β = ${a.beta ?? DEFAULT_UCB_BETA})`;
  return a.kind === 'ei' ? 'expected improvement' : 'probability of improvement';
}
