// Import Tuning History: other tools' tuning history found under the experiment's folder (a bounded scan), each
// study mapped onto the experiment's search space, and the edit adding the chosen sources to prior.from. The client
// only shows the findings and applies the edit (a WorkspaceEdit, so undo works). No LSP connection.
import * as path from 'node:path';
import { toLspEdit } from '../../formats/edits';
import { addPriorSourcesEdit } from '../../formats/priorFromEdit';
import { structureOf } from '../../formats/structure';
import { paramSpecsOf, priorSectionOf } from '../../priors/experiment';
import { scanHistory } from '../../priors/historyScan';
import type { AddPriorSourcesEditRequest, FindHistoryRequest } from '../../shared/protocol';
import { UserError } from './errors';
import type { WorkspaceIndex } from './workspaceIndex';

export class HistoryImport {
  constructor(private readonly index: WorkspaceIndex) {}

  /**
   * The tuning history under the experiment's folder, as the Import Tuning History pick lists it. `signal` (the
   * request's cancellation) stops the scan: it rejects with ListingCancelledError.
   */
  async find(uri: string, signal?: AbortSignal): Promise<FindHistoryRequest.Result> {
    const entry = this.index.get(uri);
    const experiment = entry?.experiment;
    if (!experiment) throw new UserError('The experiment file has errors; fix them before importing tuning history.');
    const prior = priorSectionOf(experiment);
    const { found, truncated } = await scanHistory(path.dirname(entry.fsPath), { space: paramSpecsOf(experiment.searchSpace), metric: prior.metric ?? experiment.objective.metric }, { signal });
    return {
      truncated,
      sources: found.map((f) => ({
        entry: f.entry,
        format: f.format,
        listed: prior.from.includes(f.entry),
        ...(f.error ? { error: f.error } : {}),
        studies: f.studies.map((s) => ({
          name: s.name,
          trials: s.configs.length + s.skippedTrials,
          incomplete: s.incomplete,
          usable: s.configs.length,
          ...(s.metric ? { metric: s.metric } : {}),
          mapped: s.mapped,
          unmapped: s.unmapped,
          missing: s.missing,
          ...(s.unusable ? { unusable: s.unusable } : {}),
        })),
      })),
    };
  }

  /** The edit adding `entries` to prior.from, on `text` (the file read under its lock) or the text the server holds. */
  addSourcesEdit(uri: string, entries: string[], text?: string): AddPriorSourcesEditRequest.Result {
    const entry = this.index.get(uri);
    if (!entry) throw new UserError(`No experiment file ${uri} in the workspace.`);
    const source = text ?? entry.text;
    const structure = structureOf(source);
    const result = addPriorSourcesEdit(structure, entries);
    if (!result.ok) throw new UserError(result.message);
    return { added: result.added, edits: [toLspEdit(source, result.edit, structure.lines)] };
  }
}
