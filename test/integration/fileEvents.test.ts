// File events reach the server while a training run logs continuously. The language client's own delivery of
// watched-file events is a pure trailing debounce (250 ms): with a log appended to more often than that, nothing was
// ever sent, so an experiment file created on disk meanwhile was never indexed (the stop-foreign failure: two runs
// logging every 300 ms out of phase). ServerConnection delivers them itself, at most a second late.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { experimentListed, hyperboApi, waitFor, workspaceFolder } from './helpers';

describe('HyperBO file events under a continuously written log', function () {
  this.timeout(120_000);

  it('indexes an experiment file created on disk while a log is appended to every 100 ms', async () => {
    const hyperbo = await hyperboApi();
    const root = workspaceFolder().uri.fsPath;
    const log = join(root, 'busy-writer.log');
    // A training run in its own process logging a line every 100 ms, for longer than the wait below.
    const script = `const fs = require('fs'); let i = 0; setInterval(() => { i++; fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ step: i, loss: 1 / i }) + '\\n'); if (i === 600) process.exit(0); }, 100);`;
    const writer = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0);
    const file = join(root, 'while-logging.hyperbo.yaml');
    try {
      // Let the stream of events start before the file appears.
      await waitFor('the log to be written a few times', () => lines() >= 5);
      writeFileSync(
        file,
        [
          'name: while-logging',
          'objective: { metric: loss, goal: minimize }',
          'search_space:',
          '  x: { type: float, low: 0.01, high: 1 }',
          'trials: []',
          '',
        ].join('\n'),
      );
      const uri = vscode.Uri.file(file);
      await experimentListed(hyperbo, uri, 20_000);
      assert.equal(writer.exitCode, null, 'the log was still being written');
    } finally {
      writer.kill('SIGKILL');
      rmSync(log, { force: true });
      rmSync(file, { force: true });
    }
  });
});
