// Where the search space reaches past the training data of the prior an experiment uses, in the editor's terms: an
// information diagnostic on the parameter's name, its quick fix (narrow the range, or keep the choices tried), and the
// rows of Prior Provenance's coverage table. Pure functions of the text and the gaps (engine coverage.ts).
import { isMap, type Node } from 'yaml';
import type { Diagnostic } from 'vscode-languageserver-types';
import { priorCoverageGaps, type CoverageGap, type LoadedPrior, type ParamValue } from '../../engine';
import { parameterBoundsEdits, parameterChoicesEdit, toLspEdit, type LspTextEdit, type OffsetEdit } from '../../formats/edits';
import { structureOf } from '../../formats/structure';
import type { Range } from '../../formats/text';
import { coverageGapText, narrowedBounds } from '../../shared/coverage';
import type { CoverageRowDTO, ParamValue as DtoValue } from '../../shared/dto';
import { formatNumber, formatParamValue } from '../../shared/numbers';

/** Each gap with the range of its parameter's name in `text`'s search_space (gaps whose name is not there are left out). */
function gapsAt(text: string, gaps: readonly CoverageGap[]): { gap: CoverageGap; range: Range; structure: ReturnType<typeof structureOf> }[] {
  if (gaps.length === 0) return [];
  const structure = structureOf(text);
  const space = structure.get(['search_space']);
  if (!isMap(space)) return [];
  return gaps.flatMap((gap) => {
    const key = structure.pair(space, gap.name)?.key as Node | undefined;
    return key?.range ? [{ gap, structure, range: { start: structure.lines.positionAt(key.range[0]), end: structure.lines.positionAt(key.range[1]) } }] : [];
  });
}

/** An information diagnostic on each search_space parameter of `text` that reaches past the prior's training data. */
export function coverageDiagnostics(text: string, gaps: readonly CoverageGap[]): Diagnostic[] {
  return gapsAt(text, gaps).map(({ gap, range }) => ({ range, severity: 3, code: 'prior-coverage', source: 'hyperbo', message: coverageGapText(gap) }));
}

/** A quick fix for one coverage diagnostic: its title, the diagnostic's range, and the edits to the file. */
export interface CoverageFix {
  title: string;
  range: Range;
  edits: LspTextEdit[];
}

/** The fixes for the coverage gaps of `text`: a range narrowed to what the data measured, or the choices tried. */
export function coverageFixes(text: string, gaps: readonly CoverageGap[]): CoverageFix[] {
  const fixes: CoverageFix[] = [];
  for (const { gap, range, structure } of gapsAt(text, gaps)) {
    let title: string;
    let edits: OffsetEdit[] | { message: string };
    if (gap.kind === 'span') {
      const bounds = narrowedBounds(gap);
      if (!bounds) continue;
      title = `Narrow ${gap.name} to what the prior's data measured (${formatNumber(bounds.low)} to ${formatNumber(bounds.high)})`;
      edits = parameterBoundsEdits(structure, gap.name, {
        ...(bounds.low !== gap.space[0] ? { low: bounds.low } : {}),
        ...(bounds.high !== gap.space[1] ? { high: bounds.high } : {}),
      });
    } else {
      if (gap.tried.length < 2) continue;
      title = `Keep only the choices of ${gap.name} the prior's data tried (${gap.tried.map(formatParamValue).join(', ')})`;
      const edit = parameterChoicesEdit(structure, gap.name, gap.tried);
      edits = 'message' in edit ? edit : [edit];
    }
    if ('message' in edits || edits.length === 0) continue;
    fixes.push({ title, range, edits: edits.map((e) => toLspEdit(text, e, structure.lines)) });
  }
  return fixes;
}

/** Each parameter of the prior's space against its training data, for the Prior Provenance panel. */
export function coverageRows(loaded: LoadedPrior): CoverageRowDTO[] | undefined {
  if (!loaded.coverage) return undefined;
  const gaps = new Map(priorCoverageGaps(loaded).map((g) => [g.name, coverageGapText(g)]));
  // A boolean choice is shown as written.
  const values = (vs: readonly ParamValue[]): DtoValue[] => vs.map((v) => (typeof v === 'boolean' ? String(v) : v));
  return loaded.space.params.map((p, j): CoverageRowDTO => {
    const c = loaded.coverage![j]!;
    const gap = gaps.get(p.name);
    return {
      name: p.name,
      categorical: p.type === 'categorical',
      space: p.type === 'categorical' ? values(p.choices) : [p.low, p.high],
      measured: 'choices' in c ? values(c.choices) : [c.low, c.high],
      ...(gap ? { gap } : {}),
    };
  });
}
