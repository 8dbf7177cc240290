// The experiment file's acquisition section as the engine takes it, for the editor's server and `hyperbo tune`
// alike (tune used to drop PI's xi). Defaults (UCB's β, PI's margin) are the engine's: DEFAULT_UCB_BETA in
// engine/acquisition.ts.
import type { AcquisitionOptions } from '../engine';
import type { AcquisitionSpec } from '../formats/experiment';

export function acquisitionOptionsOf(a: AcquisitionSpec): AcquisitionOptions {
  if (a.type === 'ucb') return { kind: 'ucb', ...(a.beta !== undefined ? { beta: a.beta } : {}) };
  return { kind: a.type, ...(a.type === 'pi' && a.xi !== undefined ? { piMargin: a.xi } : {}) };
}
