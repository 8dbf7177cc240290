// What the server needs from a parsed experiment file: settings, search space, trials, and the source
// lines code lenses and hovers attach to. Built from the formats parser's result (see parseExperiment).
import type { AcquisitionOptions, KernelKind, MeanKind, OutputOverrides, ParamSpec } from '../../engine';
import type { Trial } from '../../formats/experiment';

/** 0-based LSP range. */
export interface LineRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** A parsed trial with its entry's range in LSP coordinates (for its code lens and hovers). */
export type TrialView = Omit<Trial, 'range'> & { range: LineRange };

export interface ExperimentView {
  name: string;
  seed: number;
  metric: string;
  goal: 'minimize' | 'maximize';
  /** objective.warp / objective.tails overrides of the output rule. */
  output?: OutputOverrides;
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
