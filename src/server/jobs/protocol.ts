// Messages between the server and its worker thread. Everything here is structured-clone friendly.
import type { ComputedSuggestion, ModelInput, PosteriorOptions, ContourOut, SliceOut } from './compute';
import type { PretrainInput, PretrainOutput } from '../../priors/pretrain';
import type { ConditioningCounts, Config, PriorCheck, TaskAgreement } from '../../engine';

export type JobRequest =
  | { kind: 'suggest'; input: ModelInput; count: number }
  | { kind: 'predict'; input: ModelInput; configs: Config[] }
  | { kind: 'posterior'; input: ModelInput; options: PosteriorOptions }
  | { kind: 'heldOut'; input: ModelInput }
  | { kind: 'priorCheck'; input: ModelInput }
  | { kind: 'taskAgreement'; input: ModelInput }
  | { kind: 'singleTaskHyperparameters'; input: ModelInput }
  | { kind: 'pretrain'; input: PretrainInput }
  | { kind: 'conditioningCounts'; experiment: string };

export interface JobResults {
  suggest: ComputedSuggestion[];
  predict: { mean: number; sd: number; subset?: number }[];
  posterior: { slices: SliceOut[]; contour?: ContourOut };
  heldOut: { points: number; meanLogLik: number; rmse: number } | undefined;
  priorCheck: PriorCheck | undefined;
  taskAgreement: TaskAgreement[];
  singleTaskHyperparameters: Record<string, number | number[]>;
  pretrain: PretrainOutput;
  conditioningCounts: ConditioningCounts | undefined;
}

/** server → worker. `cancel` is a shared Int32Array(1) the job polls; 1 means stop. */
export interface ToWorker {
  id: number;
  request: JobRequest;
  cancel: SharedArrayBuffer;
}

/** worker → server. */
export type FromWorker =
  | { id: number; type: 'progress'; fraction: number; message?: string }
  | { id: number; type: 'result'; result: unknown }
  | { id: number; type: 'error'; name: string; message: string };
