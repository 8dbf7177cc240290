// Reads an experiment file with the formats parser and turns the result into the server's view (LSP
// line/character ranges) and LSP diagnostics. Nothing here reads the disk.
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-types';
import { parseExperiment, type Experiment, type LineIndex, type OffsetRange } from '../../formats/experiment';
import { structureOf } from '../../formats/structure';
import { priorExperimentOf, UNNAMED_EXPERIMENT } from '../../priors';
import { acquisitionOptionsOf } from '../../session/acquisition';
import type { ExperimentView, LineRange } from './experimentView';
import type { ParseOutcome } from './workspaceIndex';

const SEVERITY = { error: 1, warning: 2, information: 3, hint: 4 } as const;

function toRange(lines: LineIndex, r: OffsetRange): LineRange {
  return { start: lines.positionAt(r.start), end: lines.positionAt(r.end) };
}

export function toView(experiment: Experiment): ExperimentView {
  return {
    // Seed, metric, goal, output rule, space and prior as the shared prior pipeline derives them (hyperbo tune
    // does the same), so cache keys agree.
    ...priorExperimentOf(experiment),
    name: experiment.name ?? UNNAMED_EXPERIMENT,
    reduce: experiment.objective.reduce,
    divergenceFactor: experiment.objective.divergenceFactor,
    acquisition: acquisitionOptionsOf(experiment.acquisition),
    budget: experiment.budget,
    run: experiment.run,
    trials: experiment.trials,
  };
}

/** Parses and validates; the view is present only when the file has no errors (else the last good one is kept). */
export function parseExperimentFile(text: string, fsPath: string): ParseOutcome {
  // One structure index per text: the parser, and later hover, completion, lenses and edits, share it.
  const structure = structureOf(text);
  // prior.from is not checked against the disk here (parsing is on the request path): the prior service lists it in
  // the background, bounded and inside the workspace, and adds its diagnostics (sourceListings.ts).
  const result = parseExperiment(structure, { fileName: path.basename(fsPath) });
  const lines = structure.lines;
  const diagnostics: Diagnostic[] = result.diagnostics.map((d) => ({
    range: toRange(lines, d.range),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: 'hyperbo',
    message: d.message,
  }));
  return { view: result.ok && result.experiment ? toView(result.experiment) : undefined, diagnostics };
}
