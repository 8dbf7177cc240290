// Edit and location requests (append a trial or a suggestion, update a trial, a trial's location, the next trial's
// ghost text): each is passed on to the connection-free TrialEdits (service/trialEdits.ts), which computes it on the
// YAML structure index of the text the server holds or the client sends.
import type { Connection } from 'vscode-languageserver';
import { AddTrialEditRequest, ApplySuggestionRequest, InlineTrialRequest, TrialLocationRequest, UpdateTrialEditRequest } from '../../shared/protocol';
import { abortSignal, guarded } from '../languageServer';
import type { HyperboService } from '../service/hyperboService';

export function registerEditRequests(connection: Connection, service: () => HyperboService, ready: Promise<void>): void {
  connection.onRequest(
    AddTrialEditRequest.type,
    guarded(async (params) => {
      await ready;
      return service().edits.addTrial(params.uri, params.params, params.text);
    }),
  );

  connection.onRequest(
    ApplySuggestionRequest.type,
    guarded(async (params, token) => {
      await ready;
      return service().edits.applySuggestion(params.uri, params.index, params.count, abortSignal(token));
    }),
  );

  connection.onRequest(
    TrialLocationRequest.type,
    guarded(async (params) => {
      await ready;
      return service().edits.trialLocation(params.uri, params.trialId);
    }),
  );

  connection.onRequest(
    InlineTrialRequest.type,
    guarded(async (params, token) => {
      await ready;
      return service().edits.inlineTrial(params.uri, params.position, { version: params.version, count: params.count, signal: abortSignal(token) });
    }),
  );

  connection.onRequest(
    UpdateTrialEditRequest.type,
    guarded(async (params) => {
      await ready;
      return service().edits.updateTrial(params);
    }),
  );
}
