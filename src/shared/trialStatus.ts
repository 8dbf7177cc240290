// How a trial's status reads in every history view (tree, code lens, hover, history panel): the status, and for a
// run stopped early by run.stopping the step it was stopped at ("stopped · step 40").
import type { TrialDTO } from './dto';

export function statusText(trial: Pick<TrialDTO, 'status' | 'step'>): string {
  return trial.status === 'stopped' && trial.step !== undefined ? `stopped · step ${trial.step}` : trial.status;
}
