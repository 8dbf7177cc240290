// Reads an experiment file with the formats parser: the parsed experiment itself (the server's one experiment model;
// what the prior and the model take is derived from it by plain functions such as src/priors' paramSpecsOf and
// planPrior) and LSP diagnostics (line/character ranges). Nothing here reads the disk.
import * as path from 'node:path';
import type { Diagnostic, Range } from 'vscode-languageserver-types';
import { parseExperiment, type LineIndex, type OffsetRange } from '../../formats/experiment';
import { structureOf } from '../../formats/structure';
import type { ParseOutcome } from './workspaceIndex';

const SEVERITY = { error: 1, warning: 2, information: 3, hint: 4 } as const;

function toRange(lines: LineIndex, r: OffsetRange): Range {
  return { start: lines.positionAt(r.start), end: lines.positionAt(r.end) };
}

/**
 * Parses and validates; the experiment is present only when the file has no errors (else the last good one is kept).
 * `previous`, the text this one was edited from, lets an edit inside `trials:` re-parse only the trials it touched.
 */
export function parseExperimentFile(text: string, fsPath: string, previous?: string): ParseOutcome {
  // One structure index per text: the parser, and later hover, completion, lenses and edits, share it.
  const structure = structureOf(text, previous);
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
  return { ...(result.ok && result.experiment ? { experiment: result.experiment } : {}), diagnostics };
}
