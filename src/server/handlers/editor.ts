// Editor features on experiment files (code lenses, hovers, completion, quick fixes): each handler passes the request on to the
// connection-free EditorFeatures (service/editorFeatures.ts), with the editor's text when the document is open.
import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { guarded } from '../languageServer';
import type { HyperboService } from '../service/hyperboService';
import { isExperimentFile, uriToPath } from '../service/workspaceIndex';

export function registerEditorFeatures(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  service: () => HyperboService,
  ready: Promise<void>,
): void {
  const isExperiment = (uri: string): boolean => isExperimentFile(uriToPath(uri));

  connection.onCodeLens(
    guarded(async (params) => {
      await ready;
      if (!isExperiment(params.textDocument.uri)) return [];
      return service().editor.codeLenses(params.textDocument.uri);
    }),
  );

  connection.onHover(
    guarded(async (params) => {
      await ready;
      const uri = params.textDocument.uri;
      if (!isExperiment(uri)) return null;
      return service().editor.hover(uri, params.position, documents.get(uri)?.getText());
    }),
  );

  connection.onCodeAction(
    guarded(async (params) => {
      await ready;
      const uri = params.textDocument.uri;
      if (!isExperiment(uri)) return [];
      return service().codeActions(uri, params.range, params.context.diagnostics);
    }),
  );

  connection.onCompletion(
    guarded(async (params) => {
      const uri = params.textDocument.uri;
      if (!isExperiment(uri)) return [];
      return service().editor.completions(uri, params.position, documents.get(uri)?.getText());
    }),
  );
}
