// Edit requests: the text edits that append or update a trial, computed by the formats edit helpers on
// the text the server holds (the editor's when the document is open). The client applies them as a
// WorkspaceEdit, so undo works and the file stays the source of truth.
import type { Connection } from 'vscode-languageserver';
import { SearchSpace } from '../../engine';
import { appendTrialEdit, toLspEdit, updateTrialEdit, type TrialChanges } from '../../formats/edits';
import { AddTrialEditRequest, UpdateTrialEditRequest } from '../../shared/protocol';
import { guarded } from '../languageServer';
import { UserError, type HyperboService } from '../service/hyperboService';

export function registerEditRequests(connection: Connection, service: () => HyperboService, ready: Promise<void>): void {
  connection.onRequest(
    AddTrialEditRequest.type,
    guarded(async (params) => {
      await ready;
      const svc = service();
      const entry = svc.index.get(params.uri);
      if (!entry?.view) throw new UserError('The experiment file has errors; fix them before adding a trial.');
      const space = new SearchSpace(entry.view.space);
      if (!space.contains(params.params)) {
        throw new UserError(`The configuration ${JSON.stringify(params.params)} is outside the search space of ${entry.view.name}.`);
      }
      const result = appendTrialEdit(entry.text, { params: params.params, status: params.status ?? 'pending' });
      if (!result.ok) throw new UserError(result.message);
      return { trialId: result.trialId, edits: [toLspEdit(entry.text, result.edit)] };
    }),
  );

  connection.onRequest(
    UpdateTrialEditRequest.type,
    guarded(async (params) => {
      await ready;
      const svc = service();
      const entry = svc.index.get(params.uri);
      if (!entry) throw new UserError(`No experiment file ${params.uri} in the workspace.`);
      await svc.refreshTrialLog(params.uri, params.trialId);
      let status = params.status;
      let value = params.value;
      let reason = params.reason;
      if (value === undefined && status === 'completed') {
        const outcome = svc.outcomeFromLog(params.uri, params.trialId, status);
        status = outcome.status;
        value = outcome.value;
        reason = outcome.reason;
      }
      const changes: TrialChanges = { status };
      if (value !== undefined) changes.value = value;
      else if (status !== 'completed') changes.value = null;
      if (reason !== undefined) changes.reason = reason;
      if (params.started !== undefined) changes.started = params.started;
      if (params.finished !== undefined) changes.finished = params.finished;
      const result = updateTrialEdit(entry.text, params.trialId, changes);
      if (!result.ok) throw new UserError(result.message);
      return { edits: [toLspEdit(entry.text, result.edit)], status, ...(value !== undefined ? { value } : {}) };
    }),
  );
}
