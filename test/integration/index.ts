// Mocha bootstrap that VS Code runs inside its extension host (extensionTestsPath). The test
// files are bundled in at build time (see esbuildTestList.mjs) and each is loaded only after
// mocha has installed its globals. Writes a JSON summary for the launcher (results.ts).
import Mocha from 'mocha';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { integrationTests } from 'hyperbo:integration-tests';
import { grepVariable, resultFileVariable, type IntegrationRunSummary, type IntegrationTestResult } from './results';

export async function run(): Promise<void> {
  const startedAt = new Date().toISOString();
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000 });
  const grep = process.env[grepVariable];
  if (grep) mocha.grep(grep);

  for (const test of integrationTests) {
    mocha.suite.emit('pre-require', globalThis, test.file, mocha);
    mocha.suite.emit('require', test.load(), test.file, mocha);
    mocha.suite.emit('post-require', globalThis, test.file, mocha);
  }

  const results: IntegrationTestResult[] = [];
  const record = (test: Mocha.Test, state: IntegrationTestResult['state'], error?: unknown): void => {
    results.push({
      title: test.fullTitle(),
      file: test.file ?? '',
      state,
      durationMs: test.duration ?? 0,
      ...(error === undefined ? {} : { error: describeError(error) }),
    });
  };

  const failures = await new Promise<number>((resolveRun) => {
    const runner = mocha.run((failed) => resolveRun(failed));
    runner.on('pass', (test) => record(test, 'passed'));
    runner.on('fail', (test, error) => record(test as Mocha.Test, 'failed', error));
    runner.on('pending', (test) => record(test, 'pending'));
  });

  const summary: IntegrationRunSummary = {
    vscodeVersion: vscode.version,
    startedAt,
    finishedAt: new Date().toISOString(),
    passed: results.filter((r) => r.state === 'passed').length,
    failed: results.filter((r) => r.state === 'failed').length,
    pending: results.filter((r) => r.state === 'pending').length,
    tests: results,
  };
  const resultFile = process.env[resultFileVariable] ?? join(__dirname, 'result.json');
  mkdirSync(dirname(resultFile), { recursive: true });
  writeFileSync(resultFile, JSON.stringify(summary, null, 2));

  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
