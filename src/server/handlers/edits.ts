// Edit and location requests: the text edits that append a trial (a configuration, or a suggestion) or
// update one, where a trial's entry is, and the ghost text of the next trial — all computed from the YAML
// structure index (formats/structure.ts) of the text the server holds (the editor's when the document is
// open), or of the text the client sends (the file as read from disk under its lock). The client never reads the YAML: it applies the edits as a WorkspaceEdit, so undo works and the
// file stays the source of truth.
import type { Connection } from 'vscode-languageserver';
import { SearchSpace } from '../../engine';
import { lastRunChanges } from '../../session/lastRun';
import { appendTrialEdit, inlineTrialPlacement, isInTrialsBlock, toLspEdit, updateTrialEdit, type TrialChanges } from '../../formats/edits';
import { structureOf } from '../../formats/structure';
import type { Params } from '../../shared/dto';
import { AddTrialEditRequest, ApplySuggestionRequest, InlineTrialRequest, TrialLocationRequest, UpdateTrialEditRequest } from '../../shared/protocol';
import { abortSignal, guarded } from '../languageServer';
import { UserError } from '../service/errors';
import type { HyperboService } from '../service/hyperboService';
import type { ExperimentEntry } from '../service/workspaceIndex';

/** The edit appending a pending trial with these parameters to the entry's current text. */
function appendEdit(entry: ExperimentEntry, params: Params, text = entry.text): AddTrialEditRequest.Result {
  if (!entry.view) throw new UserError('The experiment file has errors; fix them before adding a trial.');
  const space = new SearchSpace(entry.view.space);
  if (!space.contains(params)) {
    throw new UserError(`The configuration ${JSON.stringify(params)} is outside the search space of ${entry.view.name}.`);
  }
  const structure = structureOf(text);
  const result = appendTrialEdit(structure, { params, status: 'pending' });
  if (!result.ok) throw new UserError(result.message);
  return { trialId: result.trialId, edits: [toLspEdit(text, result.edit, structure.lines)] };
}

const suggestionCount = (index: number, count: number | undefined): number => Math.min(16, Math.max(index + 1, Math.trunc(count ?? 1)));

export function registerEditRequests(connection: Connection, service: () => HyperboService, ready: Promise<void>): void {
  const entryOf = (uri: string): ExperimentEntry => {
    const entry = service().index.get(uri);
    if (!entry) throw new UserError(`No experiment file ${uri} in the workspace.`);
    return entry;
  };

  connection.onRequest(
    AddTrialEditRequest.type,
    guarded(async (params) => {
      await ready;
      return appendEdit(entryOf(params.uri), params.params, params.text);
    }),
  );

  connection.onRequest(
    ApplySuggestionRequest.type,
    guarded(async (params, token) => {
      await ready;
      const index = params.index;
      if (!Number.isInteger(index) || index < 0 || index >= 16) throw new UserError(`There is no suggestion #${index}.`);
      const result = await service().queries.suggest(params.uri, suggestionCount(index, params.count), abortSignal(token));
      const suggestion = result.suggestions[index];
      if (!suggestion) throw new UserError(`There are ${result.suggestions.length} suggestion(s) for ${result.experiment}, not #${index + 1}.`);
      // The edit is computed on the text as it is now (the suggestion may have taken a while).
      return { ...appendEdit(entryOf(params.uri), suggestion.params), params: suggestion.params };
    }),
  );

  connection.onRequest(
    TrialLocationRequest.type,
    guarded(async (params) => {
      await ready;
      const entry = entryOf(params.uri);
      const structure = structureOf(entry.text);
      const trial = structure.trial(params.trialId);
      return trial ? { range: structure.lines.rangeAt(trial.range) } : null;
    }),
  );

  connection.onRequest(
    InlineTrialRequest.type,
    guarded(async (params, token) => {
      await ready;
      const entry = service().index.get(params.uri);
      if (!entry?.view || (params.version !== undefined && entry.version !== undefined && entry.version !== params.version)) return null;
      const before = entry.text;
      const structure = structureOf(before);
      // Cheap checks first: a suggestion is only computed for a blank line inside the trials block.
      const line = params.position.line;
      const lineText = before.split(/\r\n|\r|\n/)[line];
      if (lineText === undefined || lineText.trim() !== '' || !isInTrialsBlock(structure, line)) return null;
      const result = await service().queries.suggest(params.uri, suggestionCount(0, params.count), abortSignal(token));
      const suggestion = result.suggestions[0];
      const now = service().index.get(params.uri);
      if (!suggestion || token.isCancellationRequested || now?.text !== before) return null;
      const add = appendTrialEdit(structure, { params: suggestion.params, status: 'pending' });
      if (!add.ok) return null;
      const placement = inlineTrialPlacement(structure, line, add.edit);
      if (!placement) return null;
      return {
        range: structure.lines.rangeAt(placement.range),
        insertText: placement.insertText,
        ...(placement.removeEmptyFlow ? { removeEmptyFlow: structure.lines.rangeAt(placement.removeEmptyFlow) } : {}),
      };
    }),
  );

  connection.onRequest(
    UpdateTrialEditRequest.type,
    guarded(async (params) => {
      await ready;
      const svc = service();
      const entry = entryOf(params.uri);
      await svc.trials.readEndedLog(params.uri, params.trialId);
      let status = params.status;
      let value = params.value;
      let reason = params.reason;
      if (value === undefined && status === 'completed') {
        const outcome = svc.trials.outcome(params.uri, params.trialId, status);
        status = outcome.status;
        value = outcome.value;
        reason = outcome.reason;
      }
      const changes: TrialChanges = { status };
      if (value !== undefined) changes.value = value;
      if (reason !== undefined) changes.reason = reason;
      if (params.started !== undefined) changes.started = params.started;
      if (params.finished !== undefined) changes.finished = params.finished;
      if (params.job !== undefined) changes.job = params.job;
      if (params.pid !== undefined) changes.pid = params.pid;
      if (params.run !== undefined) changes.run = params.run;
      if (params.step !== undefined) changes.step = params.step;
      // On the text the client read under the file's lock when it sent one (else the server's).
      const text = params.text ?? entry.text;
      const structure = structureOf(text);
      // The trial's fields then describe this run only (a completed rerun drops the old failure reason).
      const result = updateTrialEdit(structure, params.trialId, lastRunChanges(changes));
      if (!result.ok) throw new UserError(result.message);
      return { edits: [toLspEdit(text, result.edit, structure.lines)], status, ...(value !== undefined ? { value } : {}) };
    }),
  );
}
