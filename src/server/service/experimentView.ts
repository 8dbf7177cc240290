// What the server needs from a parsed experiment file: settings and search space as the engine and the prior
// pipeline take them, and the parser's trials. Built from the formats parser's result (see parseExperiment).
// Where things are in the text (code lenses, hovers, locations) comes from the current text's structure index
// (formats/structure.ts), never from here: this view may be the last good state of an older text.
import type { AcquisitionOptions, KernelKind, MeanKind, OutputOverrides, ParamSpec } from '../../engine';
import type { Trial } from '../../formats/experiment';

/** 0-based LSP range. */
export interface LineRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

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
  trials: Trial[];
}
