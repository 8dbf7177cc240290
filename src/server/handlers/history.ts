// Import Tuning History requests, passed on to the connection-free HistoryImport (service/historyImport.ts).
import type { Connection } from 'vscode-languageserver';
import { AddPriorSourcesEditRequest, FindHistoryRequest } from '../../shared/protocol';
import { abortSignal, guarded } from '../languageServer';
import type { HyperboService } from '../service/hyperboService';

export function registerHistoryRequests(connection: Connection, service: () => HyperboService, ready: Promise<void>): void {
  connection.onRequest(
    FindHistoryRequest.type,
    guarded(async (params, token) => {
      await ready;
      // The Cancel of the client's progress notification stops the scan (the walk checks it between folder reads).
      return service().history.find(params.uri, abortSignal(token));
    }),
  );

  connection.onRequest(
    AddPriorSourcesEditRequest.type,
    guarded(async (params) => {
      await ready;
      return service().history.addSourcesEdit(params.uri, params.entries, params.text);
    }),
  );
}
