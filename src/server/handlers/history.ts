// Import Tuning History: the server finds other tools' tuning history under the experiment's folder (a bounded
// scan), maps each study onto the experiment's search space, and computes the edit adding the chosen sources to
// prior.from; the client only shows the findings and applies the edit (a WorkspaceEdit, so undo works).
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { toLspEdit } from '../../formats/edits';
import { addPriorSourcesEdit } from '../../formats/priorFromEdit';
import { structureOf } from '../../formats/structure';
import { scanHistory } from '../../priors/historyScan';
import { AddPriorSourcesEditRequest, FindHistoryRequest } from '../../shared/protocol';
import { guarded } from '../languageServer';
import { UserError, type HyperboService } from '../service/hyperboService';

export function registerHistoryRequests(connection: Connection, service: () => HyperboService, ready: Promise<void>): void {
  connection.onRequest(
    FindHistoryRequest.type,
    guarded(async (params) => {
      await ready;
      const entry = service().index.get(params.uri);
      if (!entry?.view) throw new UserError('The experiment file has errors; fix them before importing tuning history.');
      const view = entry.view;
      const { found, truncated } = await scanHistory(path.dirname(entry.fsPath), { space: view.space, metric: view.prior.metric ?? view.metric });
      return {
        truncated,
        sources: found.map((f) => ({
          entry: f.entry,
          format: f.format,
          listed: view.prior.from.includes(f.entry),
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
    }),
  );

  connection.onRequest(
    AddPriorSourcesEditRequest.type,
    guarded(async (params) => {
      await ready;
      const entry = service().index.get(params.uri);
      if (!entry) throw new UserError(`No experiment file ${params.uri} in the workspace.`);
      const text = params.text ?? entry.text;
      const structure = structureOf(text);
      const result = addPriorSourcesEdit(structure, params.entries);
      if (!result.ok) throw new UserError(result.message);
      return { added: result.added, edits: [toLspEdit(text, result.edit, structure.lines)] };
    }),
  );
}
