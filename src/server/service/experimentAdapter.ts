// Reads an experiment file with the formats parser and turns the result into the server's view (LSP
// line/character ranges) and LSP diagnostics. prior.from globs are checked against the disk.
import * as path from 'node:path';
import { globSync } from 'tinyglobby';
import type { Diagnostic } from 'vscode-languageserver-types';
import { LineIndex, parseExperiment, type Experiment, type OffsetRange } from '../../formats/experiment';
import { paramSpecsOf, PRIOR_GLOB_IGNORE, priorSectionOf, UNNAMED_EXPERIMENT } from '../../priors';
import type { ExperimentView, LineRange } from './experimentView';
import type { ParseOutcome } from './workspaceIndex';

const SEVERITY = { error: 1, warning: 2, information: 3, hint: 4 } as const;

function toRange(lines: LineIndex, r: OffsetRange): LineRange {
  return { start: lines.positionAt(r.start), end: lines.positionAt(r.end) };
}

export function toView(experiment: Experiment): ExperimentView {
  const a = experiment.acquisition;
  return {
    name: experiment.name ?? UNNAMED_EXPERIMENT,
    seed: experiment.seed,
    metric: experiment.objective.metric,
    goal: experiment.objective.goal,
    ...(experiment.objective.output ? { output: experiment.objective.output } : {}),
    reduce: experiment.objective.reduce,
    divergenceFactor: experiment.objective.divergenceFactor,
    // Space and prior as the shared prior pipeline derives them (hyperbo tune does the same), so cache keys agree.
    space: paramSpecsOf(experiment.searchSpace),
    prior: priorSectionOf(experiment),
    acquisition:
      a.type === 'ucb' ? { kind: 'ucb', ...(a.beta !== undefined ? { beta: a.beta } : {}) } : { kind: a.type, ...(a.xi !== undefined ? { piMargin: a.xi } : {}) },
    budget: experiment.budget,
    run: experiment.run
      ? {
          command: experiment.run.command,
          log: experiment.run.log,
          capture: experiment.run.capture,
          parallel: experiment.run.parallel,
          cwd: experiment.run.cwd,
          env: experiment.run.env,
        }
      : undefined,
    trials: experiment.trials,
  };
}

/** Parses and validates; the view is present only when the file has no errors (else the last good one is kept). */
export function parseExperimentFile(text: string, fsPath: string): ParseOutcome {
  const base = path.dirname(fsPath);
  const result = parseExperiment(text, {
    fileName: path.basename(fsPath),
    globMatches: (pattern) =>
      globSync([pattern], { cwd: base, onlyFiles: true, ignore: [...PRIOR_GLOB_IGNORE] }).length > 0,
  });
  const lines = new LineIndex(text);
  const diagnostics: Diagnostic[] = result.diagnostics.map((d) => ({
    range: toRange(lines, d.range),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: 'hyperbo',
    message: d.message,
  }));
  return { view: result.ok && result.experiment ? toView(result.experiment) : undefined, diagnostics };
}
