// The client inside a real VS Code: activation starts the language server, New Experiment writes a file
// the server accepts, Apply Suggestion adds a trial that undo removes, Run Trial runs a real command and
// the trial becomes completed with the value from its log, Stop Trial kills a running one.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ListExperimentsRequest, TrialHistoryRequest } from '../../src/shared/protocol';
import { NextTrialInlineProvider } from '../../src/client/providers/inlineTrial';
import { experimentListed, hyperboApi, waitFor, workspaceFolder } from './helpers';

/**
 * A one-parameter experiment whose command is a node one-liner logging `loss` = 2x then x (so its value is x).
 * Written into the workspace root: a file created in a brand-new folder can be missed by the file watcher
 * (the folder is not watched yet), and these tests want the server to learn of the file from disk.
 */
function writeExperiment(name: string, script: string, trials = 'trials: []'): vscode.Uri {
  const file = join(workspaceFolder().uri.fsPath, `${name}.hyperbo.yaml`);
  const text = [
    `name: ${name}`,
    'objective: { metric: loss, goal: minimize, reduce: min }',
    'search_space:',
    '  x: { type: float, low: 0.01, high: 1, scale: log }',
    'budget: 5',
    'run:',
    `  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, "\${x}"]`,
    `  log: runs/${name}-\${trial}.log`,
    '  capture: true',
    '  parallel: 1',
    trials,
    '',
  ].join('\n');
  writeFileSync(file, text);
  return vscode.Uri.file(file);
}

const loggingScript = 'const x = Number(process.argv[1]); console.log(JSON.stringify({ step: 1, loss: 2 * x })); console.log(JSON.stringify({ step: 2, loss: x }));';

describe('HyperBO client', function () {
  this.timeout(120_000);

  it('starts the language server on activation and shows its status', async () => {
    const hyperbo = await hyperboApi();
    assert.equal(hyperbo.ctx.server.isRunning, true);
    await waitFor('the status item to show the server is ready', () => /HyperBO/.test(hyperbo.ctx.status.text) && hyperbo.ctx.server.health.health !== 'starting');
    const experiments = await hyperbo.ctx.server.request0(ListExperimentsRequest.type);
    assert.ok(experiments.some((e) => e.uri.endsWith('digits-mlp.hyperbo.yaml')), 'the example experiment is indexed');
  });

  it('lists experiments and their trials in the tree view', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('tree-check', loggingScript, 'trials:\n  - { id: 1, params: { x: 0.5 }, status: completed, value: 0.5 }\n  - { id: 2, params: { x: 0.1 }, status: pending }');
    await experimentListed(hyperbo, uri);
    hyperbo.ctx.tree.refresh();
    const roots = await hyperbo.ctx.tree.getChildren();
    const node = roots.find((n) => n.kind === 'experiment' && vscode.Uri.parse(n.uri).fsPath === uri.fsPath);
    assert.ok(node, 'the experiment is a root of the tree');
    const children = await hyperbo.ctx.tree.getChildren(node);
    assert.deepEqual(children.map((c) => (c.kind === 'trial' ? c.trial.id : -1)), [2, 1]);
    const completed = hyperbo.ctx.tree.getTreeItem(children[1]!);
    assert.equal((completed.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.match(String(completed.description), /loss 0\.5/);
    assert.equal(completed.contextValue, 'trial:completed');
  });

  it('New Experiment writes a valid experiment file and opens it', async () => {
    const hyperbo = await hyperboApi();
    const folder = join(workspaceFolder().uri.fsPath, 'new');
    mkdirSync(folder, { recursive: true });
    const created = (await vscode.commands.executeCommand('hyperbo.newExperiment', {
      folder,
      name: 'int-new',
      metric: 'valid/accuracy',
      goal: 'maximize',
      parameters: [
        { name: 'learning_rate', type: 'float', low: 1e-5, high: 1, scale: 'log' },
        { name: 'layers', type: 'int', low: 1, high: 4 },
        { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd'] },
      ],
      command: ['python', 'train.py', '--lr', '${learning_rate}', '--layers', '${layers}', '--opt', '${optimizer}'],
      log: 'runs/${trial}/metrics.jsonl',
      capture: false,
      budget: 12,
    })) as string;
    const uri = vscode.Uri.parse(created);
    assert.ok(existsSync(uri.fsPath), 'the file exists on disk');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, uri.fsPath, 'the new file is open');
    const summary = await experimentListed(hyperbo, uri);
    assert.equal(summary.errors, undefined, 'the server finds no problem in the file');
    assert.equal(summary.name, 'int-new');
    assert.equal(summary.goal, 'maximize');
    assert.equal(summary.budget, 12);
  });

  it('Apply Suggestion appends a trial through a WorkspaceEdit, and undo removes it', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('apply-check', loggingScript);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const before = document.getText();
    await experimentListed(hyperbo, uri);
    const trialId = (await vscode.commands.executeCommand('hyperbo.applySuggestion', uri.toString(), 0)) as number;
    assert.equal(trialId, 1);
    const after = document.getText();
    assert.match(after.slice(after.indexOf('trials:')), /^trials:\n {2}- id: 1\n {4}params: \{ x: [0-9.e-]+ \}\n {4}status: pending\n$/);
    assert.equal(after.slice(0, before.indexOf('trials:')), before.slice(0, before.indexOf('trials:')), 'nothing above trials: changed');
    assert.equal(document.isDirty, false, 'a clean file is saved after the edit');
    assert.match(readFileSync(uri.fsPath, 'utf8'), /id: 1/);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo to remove the trial', () => document.getText() === before);
  });

  it('Apply Suggestion scrolls the editor to the new trial, below the screen, and leaves the cursor where it was', async () => {
    const hyperbo = await hyperboApi();
    const completed = Array.from({ length: 80 }, (_, i) => `  - { id: ${i + 1}, params: { x: ${((i + 1) / 100).toFixed(2)} }, status: completed, value: ${((i + 1) / 100).toFixed(2)} }`);
    const uri = writeExperiment('apply-reveal', loggingScript, `trials:\n${completed.join('\n')}`);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { selection: new vscode.Range(0, 0, 0, 0) });
    await experimentListed(hyperbo, uri);
    const lastLine = editor.document.lineCount - 1;
    assert.ok(editor.visibleRanges.every((r) => r.end.line < lastLine - 10), 'the end of the file starts off-screen');
    const trialId = (await vscode.commands.executeCommand('hyperbo.applySuggestion', uri.toString(), 0)) as number;
    assert.equal(trialId, 81);
    const line = editor.document.getText().split('\n').findIndex((l) => /\bid: 81\b/.test(l));
    assert.ok(line > 0, 'the trial is in the file');
    await waitFor('the editor to show the new trial', () => editor.visibleRanges.some((r) => r.start.line <= line && line <= r.end.line));
    assert.deepEqual([editor.selection.active.line, editor.selection.active.character], [0, 0], 'the cursor did not move');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Reveal Trial in File selects the trial the server locates, in flow or block style', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('reveal-check', loggingScript, 'trials: # two styles\n  - { id: 1, params: { x: 0.5 }, status: completed, value: 0.5 }\n  - id: 2\n    params: { x: 0.25 }\n    status: pending\n');
    await experimentListed(hyperbo, uri);
    const document = await vscode.workspace.openTextDocument(uri);
    const trialsLine = document.getText().split('\n').findIndex((l) => l.startsWith('trials:'));
    await vscode.commands.executeCommand('hyperbo.revealTrial', uri.toString(), 2);
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, uri.fsPath, 'the file is shown');
    assert.deepEqual([editor!.selection.active.line, editor!.selection.active.character], [trialsLine + 2, 4], 'at `id: 2`');
    await vscode.commands.executeCommand('hyperbo.revealTrial', uri.toString(), 1);
    assert.deepEqual([vscode.window.activeTextEditor!.selection.active.line, vscode.window.activeTextEditor!.selection.active.character], [trialsLine + 1, 4], 'at `{ id: 1`');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('hyperbo.revealTrial', uri.toString(), 9)), /trial 9/i);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Compare Trial with Best opens a diff of the best trial and the trial, which follows a run to its result', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment(
      'compare-check',
      loggingScript,
      'trials:\n  - { id: 1, params: { x: 0.5 }, status: completed, value: 0.5 }\n  - { id: 2, params: { x: 0.25 }, status: completed, value: 0.25 }\n  - { id: 3, params: { x: 0.125 }, status: pending }',
    );
    await experimentListed(hyperbo, uri);
    const sides = async () => {
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      assert.ok(tab?.input instanceof vscode.TabInputTextDiff, 'a diff editor is the active tab');
      return { label: tab.label, left: await vscode.workspace.openTextDocument(tab.input.original), right: await vscode.workspace.openTextDocument(tab.input.modified) };
    };
    assert.deepEqual(await vscode.commands.executeCommand('hyperbo.compareTrial', uri.toString(), 3), { left: 2, right: 3 });
    const { label, left, right } = await sides();
    assert.equal(label, 'compare-check: trial 2 (best) ↔ trial 3');
    assert.match(left.getText(), /^# compare-check · trial 2 \(best\)/);
    assert.match(left.getText(), /\nloss: 0\.25\n[\s\S]*\n {2}x: 0\.25\n/);
    assert.match(right.getText(), /\nstatus: pending\nloss: null\n/);
    // Run trial 3: its side shows the result once the file records it (x = 0.125 is the new best).
    await vscode.commands.executeCommand('hyperbo.runTrial', uri.toString(), 3);
    await waitFor('the open trial document to show the run\'s result', () => /\nstatus: completed\nloss: 0\.125\n/.test(right.getText()));
    await waitFor('both documents to say which trial is now the best', () => /^# compare-check · trial 3 \(best\)/.test(right.getText()) && /^# compare-check · trial 2 · read-only/.test(left.getText()));
    // The best trial itself: the trial before it on the left.
    assert.deepEqual(await vscode.commands.executeCommand('hyperbo.compareTrial', uri.toString(), 3), { left: 2, right: 3 });
    assert.equal((await sides()).label, 'compare-check: trial 2 ↔ trial 3 (best)');
    // Previous / Next step the right side through the other trials by id, the left side kept.
    assert.deepEqual(await vscode.commands.executeCommand('hyperbo.comparePreviousTrial'), { left: 2, right: 1 });
    assert.equal((await sides()).label, 'compare-check: trial 2 ↔ trial 1');
    assert.equal(await vscode.commands.executeCommand('hyperbo.comparePreviousTrial'), undefined, 'trial 1 is the first');
    assert.deepEqual(await vscode.commands.executeCommand('hyperbo.compareNextTrial'), { left: 2, right: 3 });
    assert.match((await sides()).right.getText(), /^# compare-check · trial 3 \(best\)/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('hyperbo.compareNextTrial')), /No trial comparison is open/);
    // A comparison restored after its file went away says why it is empty.
    const gone = vscode.Uri.joinPath(workspaceFolder().uri, 'gone.hyperbo.yaml').toString();
    const stale = await vscode.workspace.openTextDocument(vscode.Uri.parse(`hyperbo-trial:/gone trial 1.yaml?${new URLSearchParams({ uri: gone, id: '1' })}`));
    assert.match(stale.getText(), /^# Trial 1 cannot be shown: /);
    const none = writeExperiment('compare-none', loggingScript, 'trials:\n  - { id: 1, params: { x: 0.5 }, status: pending }');
    await experimentListed(hyperbo, none);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('hyperbo.compareTrial', none.toString(), 1)), /no completed trial yet/);
  });

  it('offers the next trial as inline ghost text on a blank line under trials:', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('inline-check', loggingScript, 'trials:\n  - id: 1\n    params: { x: 0.5 }\n    status: completed\n    value: 0.5\n  ');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    await experimentListed(hyperbo, uri);
    const provider = new NextTrialInlineProvider(hyperbo.ctx);
    const lastLine = document.lineCount - 2;
    assert.equal(document.lineAt(lastLine).text, '  ');
    const token = new vscode.CancellationTokenSource().token;
    const context = { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined } as vscode.InlineCompletionContext;
    const items = await provider.provideInlineCompletionItems(document, new vscode.Position(lastLine, 2), context, token);
    assert.ok(items && items.length === 1, 'one ghost-text item');
    const item = items[0]!;
    assert.match(String(item.insertText), /^ {2}- id: 2\n {4}params: \{ x: [0-9.e-]+ \}\n {4}status: pending$/);
    assert.deepEqual([item.range?.start.line, item.range?.start.character, item.range?.end.character], [lastLine, 0, 2]);
    const none = await provider.provideInlineCompletionItems(document, new vscode.Position(1, 0), context, token);
    assert.equal(none, undefined, 'nothing outside the trials block');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Run Trial runs the command, captures its log, and the trial becomes completed with the value from the log', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('run-check', loggingScript, 'trials:\n  - { id: 1, params: { x: 0.25 }, status: pending }');
    await experimentListed(hyperbo, uri);
    const runs: string[] = [];
    const listener = hyperbo.ctx.runner.onDidChange((e) => runs.push(`${e.trialId}:${e.state}${e.status ? `:${e.status}` : ''}`));
    try {
      const state = await vscode.commands.executeCommand('hyperbo.runTrial', uri.toString(), 1);
      assert.equal(state, 'started');
      const ended = await hyperbo.ctx.runner.whenEnded(uri.toString(), 1);
      assert.equal(ended?.status, 'completed', `ended: ${JSON.stringify(ended)}`);
      assert.equal(ended?.value, 0.25);
      assert.ok(runs.includes('1:running'), `runner events: ${runs.join(', ')}`);
      assert.ok(runs.includes('1:ended:completed'), `runner events: ${runs.join(', ')}`);
    } finally {
      listener.dispose();
    }
    const log = readFileSync(join(workspaceFolder().uri.fsPath, 'runs', 'run-check-1.log'), 'utf8');
    assert.match(log, /"loss":0\.25/);
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.match(text, /status: completed/);
    assert.match(text, /value: 0\.25/);
    assert.match(text, /started: /);
    assert.match(text, /finished: /);
    const history = await hyperbo.ctx.server.request(TrialHistoryRequest.type, { uri: uri.toString() });
    const trial = history.trials.find((t) => t.id === 1);
    assert.equal(trial?.status, 'completed');
    assert.equal(trial?.value, 0.25);
  });

  it('marks a command that exits non-zero as failed', async () => {
    const hyperbo = await hyperboApi();
    const uri = writeExperiment('fail-check', 'console.error("no GPU"); process.exit(3);', 'trials:\n  - { id: 1, params: { x: 0.5 }, status: pending }');
    await experimentListed(hyperbo, uri);
    await vscode.commands.executeCommand('hyperbo.runTrial', uri.toString(), 1);
    const ended = await hyperbo.ctx.runner.whenEnded(uri.toString(), 1);
    assert.equal(ended?.status, 'failed');
    // The reason says what the command printed last, in the file too, not only its exit code.
    assert.match(ended?.reason ?? '', /exited with code 3\. Last output: no GPU$/);
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.match(text, /status: failed/);
    assert.match(text, /reason: .*exited with code 3\. Last output: no GPU/);
  });

  it('Stop Trial kills a running command and marks the trial failed', async () => {
    const hyperbo = await hyperboApi();
    const script = 'setInterval(() => console.log(JSON.stringify({ step: Date.now(), loss: Number(process.argv[1]) })), 100);';
    const uri = writeExperiment('stop-check', script, 'trials:\n  - { id: 1, params: { x: 0.5 }, status: pending }\n  - { id: 2, params: { x: 0.2 }, status: pending }');
    await experimentListed(hyperbo, uri);
    const key = uri.toString();
    assert.equal(await vscode.commands.executeCommand('hyperbo.runTrial', key, 1), 'started');
    assert.equal(await vscode.commands.executeCommand('hyperbo.runTrial', key, 2), 'queued', 'parallel: 1 queues the second run');
    await waitFor('trial 1 to be running', () => hyperbo.ctx.runner.state(key, 1) === 'running' && /status: running/.test(readFileSync(uri.fsPath, 'utf8')));
    assert.equal(await vscode.commands.executeCommand('hyperbo.stopTrial', key, 2), true, 'a queued trial is removed from the queue');
    assert.equal(hyperbo.ctx.runner.state(key, 2), undefined);
    assert.equal(await vscode.commands.executeCommand('hyperbo.stopTrial', key, 1), true);
    assert.equal(hyperbo.ctx.runner.state(key, 1), undefined);
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.match(text, /id: 1, params: \{ x: 0\.5 \}, status: failed/);
    assert.match(text, /id: 2, params: \{ x: 0\.2 \}, status: pending/);
  });

  it('restarts the language server when its process dies, and says so in the log', async () => {
    const hyperbo = await hyperboApi();
    const serverPid = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .find((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          return parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server.js');
        } catch {
          return false;
        }
      });
    assert.ok(serverPid, 'found the language server process (a child of the extension host running dist/server.js)');
    const healths: string[] = [];
    const listener = hyperbo.ctx.server.onHealth(({ health }) => healths.push(health));
    try {
      process.kill(Number(serverPid), 'SIGKILL');
      await waitFor('the server to be restarted', () => healths.includes('starting') && hyperbo.ctx.server.isRunning, 30_000);
      const experiments = await hyperbo.ctx.server.request0(ListExperimentsRequest.type);
      assert.ok(experiments.length > 0, 'the restarted server answers');
      // A file created on disk after the restart reaches the new server through the file watchers.
      const uri = writeExperiment('after-restart', loggingScript);
      await experimentListed(hyperbo, uri);
    } finally {
      listener.dispose();
    }
  });
});
