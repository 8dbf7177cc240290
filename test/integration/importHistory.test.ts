// "HyperBO: Import Tuning History…" inside VS Code: the server finds the history next to an experiment (MLflow,
// Ray Tune, … fixtures from test/fixtures/history), the command adds the chosen sources to prior.from through a
// WorkspaceEdit (undo restores the file), and the prior pre-trained from them lists each study with its source.
import * as assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { HyperboApi } from '../../src/extension';
import { FindHistoryRequest, ListExperimentsRequest, PretrainRequest } from '../../src/shared/protocol';
import { activateExtension, waitFor, workspaceFolder } from './helpers';

describe('Import Tuning History', function () {
  this.timeout(180_000);

  it('finds history next to the experiment, adds the chosen sources to prior.from (undo works), and Provenance lists each study', async () => {
    const extension = await activateExtension();
    const hyperbo = extension.exports as HyperboApi;
    await hyperbo.ready;
    await hyperbo.ctx.server.start();
    const root = workspaceFolder().uri.fsPath;
    // The workspace is test-output/integration/workspace in the repository.
    const fixtures = join(root, '..', '..', '..', 'test', 'fixtures', 'history');
    assert.ok(existsSync(fixtures), `fixtures at ${fixtures}`);
    cpSync(fixtures, join(root, 'history'), { recursive: true });
    const file = join(root, 'import-check.hyperbo.yaml');
    // The experiment of the e2e test too: the fixtures' parameters, no prior.from yet.
    copyFileSync(join(fixtures, '..', 'experiments', 'import-check.hyperbo.yaml'), file);
    const uri = vscode.Uri.file(file);
    await waitFor('the server to index the experiment', async () => {
      const list = await hyperbo.ctx.server.request0(ListExperimentsRequest.type);
      return list.some((e) => vscode.Uri.parse(e.uri).fsPath === file);
    }, 30_000, 250);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const before = document.getText();

    const found = await hyperbo.ctx.server.request(FindHistoryRequest.type, { uri: uri.toString() });
    const entries = found.sources.map((s) => s.entry);
    for (const e of ['history/mlflow.db', 'history/mlruns', 'history/ray_results/tune_mlp', 'history/lightning_logs/mlp', 'history/keras_tuner/mlp_search', 'history/sweep.csv']) {
      assert.ok(entries.includes(e), `${e} found (found: ${entries.join(', ')})`);
    }
    const ray = found.sources.find((s) => s.entry === 'history/ray_results/tune_mlp')!;
    assert.deepEqual(ray.studies[0]!.unmapped, ['extra/warmup'], 'unmapped parameters are reported');

    const added = (await vscode.commands.executeCommand('hyperbo.importHistory', {
      uri: uri.toString(),
      entries: ['history/mlflow.db', 'history/ray_results/tune_mlp'],
    })) as string[];
    assert.deepEqual(added, ['history/mlflow.db', 'history/ray_results/tune_mlp']);
    assert.match(document.getText(), /\nprior:\n {2}from: \[history\/mlflow\.db, history\/ray_results\/tune_mlp\]\ntrials: \[\]\n$/);

    const provenance = await hyperbo.ctx.server.request(PretrainRequest.type, { uri: uri.toString() });
    assert.equal(provenance.model, 'pretrained');
    const sources = Object.fromEntries(provenance.tasks.map((t) => [t.name, t.source]));
    assert.match(sources.resnet ?? '', /^mlflow\.db \(MLflow tracking store \(SQLite\)\); not in the search space: seed$/);
    assert.match(sources.tune_mlp ?? '', /^tune_mlp \(Ray Tune experiment\); not in the search space: extra\/warmup$/);

    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo to restore prior.from', () => document.getText() === before);
  });
});
