// What the server needs from a parsed experiment file: settings, search space, trials, and the source
// lines code lenses and hovers attach to. Built from the formats parser's result (see parseExperiment).
import type { AcquisitionOptions, KernelKind, MeanKind, ParamSpec, ParamValue } from '../../engine';
import type { TrialStatus } from '../../shared/dto';

/** 0-based LSP range. */
export interface LineRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface TrialView {
  id: number;
  params: Record<string, ParamValue>;
  status: TrialStatus;
  value?: number;
  /** The log path as written in the trial (relative to the experiment file). */
  log?: string;
  started?: string;
  finished?: string;
  reason?: string;
  /** Where the trial's entry is (for its code lens and hovers). */
  range: LineRange;
  /** Its parameters fall outside the current search space (the model skips it). */
  outsideSpace?: boolean;
}

export interface ExperimentView {
  name: string;
  seed: number;
  metric: string;
  goal: 'minimize' | 'maximize';
  reduce: 'last' | 'min' | 'max';
  divergenceFactor?: number;
  space: ParamSpec[];
  prior: {
    from: string[];
    objective: 'auto' | 'nll' | 'ekl' | 'nll+ekl';
    mean?: MeanKind;
    kernel?: KernelKind;
    kernelOnFeatures?: boolean;
    metric?: string;
    exclude: string[];
  };
  acquisition: AcquisitionOptions;
  budget?: number;
  run?: {
    command: string[];
    log?: string;
    capture: boolean;
    parallel: number;
    cwd?: string;
    env?: Record<string, string>;
  };
  trials: TrialView[];
  /** The line of the `trials:` key, when present (the suggestion lens sits above it). */
  trialsKeyLine?: number;
}
