// Dispatches a job request to its computation; used by the worker thread (and directly in tests).
import type { Progress } from '../../engine';
import { conditioningCounts, heldOutFit, posterior, predictAt, priorCheckFor, singleTaskHyperparameters, suggest, taskAgreementFor } from './compute';
import type { JobRequest } from './protocol';
import { runPretrain } from '../../priors/pretrain';

export async function runJob(request: JobRequest, progress: Progress): Promise<unknown> {
  switch (request.kind) {
    case 'suggest':
      return suggest(request.input, request.count);
    case 'predict':
      return predictAt(request.input, request.configs);
    case 'posterior':
      return posterior(request.input, request.options);
    case 'heldOut':
      return heldOutFit(request.input);
    case 'priorCheck':
      return priorCheckFor(request.input);
    case 'taskAgreement':
      return taskAgreementFor(request.input);
    case 'singleTaskHyperparameters':
      return singleTaskHyperparameters(request.input);
    case 'pretrain':
      return runPretrain(request.input, progress);
    case 'conditioningCounts':
      return conditioningCounts(request.experiment);
  }
}
