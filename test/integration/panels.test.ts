// The panels inside a real VS Code: the webview script loads under the CSP, says `ready`, gets its data;
// one panel per (kind, experiment); errors reach the page; restoring from saved state works.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { PanelManager, type PanelDeps } from '../../src/client/panels';
import { PosteriorRequest, ProvenanceRequest, SuggestRequest, TrialHistoryRequest } from '../../src/shared/protocol';
import type { PanelKind, ToWebview } from '../../src/shared/webviewProtocol';
import { fixtureHistory, fixturePosterior, fixtureProvenance, fixtureSuggestions, fixtureUri } from '../webview-preview/fixtures';
import { activateExtension, waitFor } from './helpers';

/** Serves fixture data by request method, recording every request; `failNext` makes the next one fail. */
function fixtureDeps(log: vscode.LogOutputChannel) {
  const requests: { method: string; params: unknown }[] = [];
  const applied: { index: number; run: boolean }[] = [];
  const failures = new Map<string, string>();
  const deps: PanelDeps = {
    log,
    async request(type, params) {
      requests.push({ method: type.method, params });
      const failure = failures.get(type.method);
      if (failure) {
        failures.delete(type.method);
        throw new Error(failure);
      }
      const byMethod: Record<string, unknown> = {
        [SuggestRequest.method]: fixtureSuggestions(),
        [PosteriorRequest.method]: fixturePosterior(params as PosteriorRequest.Params),
        [TrialHistoryRequest.method]: fixtureHistory(),
        [ProvenanceRequest.method]: fixtureProvenance(),
      };
      if (!(type.method in byMethod)) throw new Error(`unexpected request ${type.method}`);
      return byMethod[type.method] as never;
    },
    async apply(_uri, index, run) {
      applied.push({ index, run });
    },
    async tune() {},
    async openLog() {},
    async revealTrial() {},
    async compareTrial() {},
  };
  return { deps, requests, applied, fail: (method: string, message: string) => failures.set(method, message) };
}

function within<T>(promise: Promise<T> | undefined, what: string, ms = 60_000): Promise<T> {
  assert.ok(promise, `no open panel for ${what}`);
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))]);
}

function webviewTabs(viewType: string): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(viewType));
}

describe('HyperBO panels', function () {
  this.timeout(90_000);
  let manager: PanelManager;
  let fixture: ReturnType<typeof fixtureDeps>;
  let log: vscode.LogOutputChannel;

  before(async () => {
    const extension = await activateExtension();
    log = vscode.window.createOutputChannel('HyperBO panels test', { log: true });
    fixture = fixtureDeps(log);
    // The extension registers the serializers itself; this second manager only opens panels.
    manager = new PanelManager(extension.extensionUri, fixture.deps, { serializers: false });
  });

  after(() => {
    manager.dispose();
    log.dispose();
  });

  const kinds: [PanelKind, string][] = [
    ['suggestions', SuggestRequest.method],
    ['posterior', PosteriorRequest.method],
    ['history', TrialHistoryRequest.method],
    ['provenance', ProvenanceRequest.method],
  ];
  for (const [kind, method] of kinds) {
    it(`opens the ${kind} panel, whose script says ready under the CSP and receives its data`, async () => {
      const before = fixture.requests.length;
      await manager.show(kind, fixtureUri);
      const message: ToWebview = await within(manager.nextDelivery(kind, fixtureUri), `the ${kind} webview to say ready and get its data`);
      assert.equal(message.type, kind);
      assert.equal(fixture.requests.at(-1)?.method, method);
      assert.ok(fixture.requests.length > before);
      assert.equal(webviewTabs(`hyperbo.${kind}`).length, 1);
      assert.match(manager.panel(kind, fixtureUri)!.title, /digits-mlp\.hyperbo\.yaml$/);
    });
  }

  it('opens the four panels as tabs of one group (not a new column per panel)', () => {
    const groups = new Set(kinds.map(([kind]) => manager.panel(kind, fixtureUri)!.viewColumn));
    assert.equal(groups.size, 1, `panels in columns ${[...groups].join(', ')}`);
    const withPanels = vscode.window.tabGroups.all.filter((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && /hyperbo\./.test(t.input.viewType)));
    assert.equal(withPanels.length, 1);
  });

  it('reuses the panel for the same experiment and kind', async () => {
    await manager.show('suggestions', fixtureUri);
    await manager.show('suggestions', fixtureUri);
    assert.equal(webviewTabs('hyperbo.suggestions').length, 1);
  });

  it('names the experiment of the focused panel, so commands from a panel act on it', async () => {
    await manager.show('suggestions', fixtureUri);
    await waitFor('the suggestions panel to have focus', () => manager.activeExperiment() === fixtureUri);
    const doc = await vscode.workspace.openTextDocument({ content: 'not a panel', language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { preview: false });
    await waitFor('the panel to lose focus', () => manager.activeExperiment() === undefined);
    // An untitled document with text is dirty: revert it so closing asks nothing.
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('sends the error to the page when the server request fails', async () => {
    fixture.fail(TrialHistoryRequest.method, 'the language server is not running');
    // Showing the panel loads again (at once if its page is live, else when the re-created page says ready).
    const delivery = manager.nextDelivery('history', fixtureUri);
    await manager.show('history', fixtureUri);
    const message = await within(delivery, 'the history panel to get an error');
    assert.equal(message.type, 'error');
    assert.match(message.type === 'error' ? message.message : '', /language server is not running/);
  });

  it('restores a panel from its saved state, and closes one whose state is unusable', async () => {
    manager.panel('provenance', fixtureUri)!.dispose();
    await waitFor('the provenance panel to close', () => manager.panel('provenance', fixtureUri) === undefined);
    const panel = vscode.window.createWebviewPanel('hyperbo.provenance', 'restoring', vscode.ViewColumn.One);
    await manager.restore('provenance', panel, { panel: 'provenance', uri: fixtureUri });
    const message = await within(manager.nextDelivery('provenance', fixtureUri), 'the restored panel to get its data');
    assert.equal(message.type, 'provenance');
    // The page names the file as the workspace does, not by its URI.
    const file = message.type === 'provenance' ? message.file : undefined;
    assert.equal(file, vscode.workspace.asRelativePath(vscode.Uri.parse(fixtureUri)));
    assert.doesNotMatch(file ?? '', /^file:/);

    const broken = vscode.window.createWebviewPanel('hyperbo.posterior', 'broken', vscode.ViewColumn.One);
    let closed = false;
    broken.onDidDispose(() => { closed = true; });
    await manager.restore('posterior', broken, { panel: 'posterior' });
    assert.equal(closed, true);
  });
});
