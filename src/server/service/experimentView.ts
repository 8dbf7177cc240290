// What the server needs from a parsed experiment file: settings and search space as the engine and the prior
// pipeline take them, and the parser's trials. Built from the formats parser's result (see parseExperiment).
// Where things are in the text (code lenses, hovers, locations) comes from the current text's structure index
// (formats/structure.ts), never from here: this view may be the last good state of an older text.
import type { AcquisitionOptions } from '../../engine';
import type { RunSpec, Trial } from '../../formats/experiment';
import type { PriorExperiment } from '../../priors';

/** 0-based LSP range. */
export interface LineRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/**
 * The experiment as the server acts on it: what its prior depends on (`PriorExperiment`: seed, metric, goal,
 * output rule, space, prior section — the same derivation as hyperbo tune's), plus the study's settings, the
 * run and the parser's trials (formats `RunSpec` and `Trial`, not copies).
 */
export interface ExperimentView extends PriorExperiment {
  name: string;
  reduce: 'last' | 'min' | 'max';
  divergenceFactor?: number;
  acquisition: AcquisitionOptions;
  budget?: number;
  run?: RunSpec;
  trials: Trial[];
}
