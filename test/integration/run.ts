// Launches the integration suite (test/integration/**/*.test.ts, bundled into
// out/integration/index.js) inside a real VS Code and exits with its result.
//   default:                 code-server + headless Chromium, through the smoke-test payload
//   HYPERBO_VSCODE=electron: @vscode/test-electron (downloads VS Code; needs internet)
// The run counts only if the suite wrote its summary with at least one test, so a suite that
// never started cannot pass. Usage: tsx test/integration/run.ts [--grep PATTERN]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, locateTools, repoRoot, startCodeServer } from '../e2e/codeServer';
import { copyExampleWorkspace } from '../exampleCopy';
import { grepVariable, resultFileVariable, type IntegrationRunSummary } from './results';

const outputDir = join(repoRoot, 'test-output', 'integration');
const resultFile = join(outputDir, 'result.json');
const testsBundle = join(repoRoot, 'out', 'integration', 'index.js');
const suiteTimeoutMs = Number(process.env.HYPERBO_INTEGRATION_TIMEOUT_MS ?? 10 * 60_000);

function log(message: string): void {
  console.log(`[integration] ${message}`);
}

function build(): void {
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(repoRoot, 'esbuild.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('build failed (node esbuild.mjs)');
  for (const file of [join(repoRoot, 'dist', 'extension.js'), testsBundle]) {
    if (!existsSync(file)) throw new Error(`build did not produce ${file}`);
  }
  log(`built extension and tests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A fresh, pristine copy of examples/ (and data/ beside it) so tests that edit files never touch the repository. */
function prepareWorkspace(): string {
  const workspace = join(outputDir, 'workspace');
  rmSync(workspace, { recursive: true, force: true });
  mkdirSync(workspace, { recursive: true });
  rmSync(join(outputDir, 'data'), { recursive: true, force: true });
  // Pristine (no trials, no runs/) whatever a tuning session left in examples/; data/ goes beside it for ../data.
  return copyExampleWorkspace(workspace);
}

async function runInCodeServer(workspace: string, grep: string | undefined): Promise<number> {
  const tools = locateTools();
  const stateDir = join(outputDir, 'code-server');
  rmSync(stateDir, { recursive: true, force: true });
  const env: Record<string, string> = { [resultFileVariable]: resultFile };
  if (grep) env[grepVariable] = grep;
  const server = await startCodeServer(tools, { stateDir, workspace, smokeTestDriver: true, disableWorkspaceTrust: true, env });
  log(`code-server on ${server.url} (log: ${server.logFile})`);
  const browser = await launchChromium(tools);
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    const exitCode = new Promise<number>((resolveExit) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
    });
    const payload = [
      ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
      ['extensionTestsPath', server.remoteUri(testsBundle)],
    ];
    await page.goto(server.workbenchUrl({ payload: JSON.stringify(payload) }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`suite did not finish within ${suiteTimeoutMs / 1000} s`)), suiteTimeoutMs);
    });
    try {
      return await Promise.race([exitCode, timedOut]);
    } catch (error) {
      await page.screenshot({ path: join(outputDir, 'timeout.png') }).catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}

async function runInElectron(workspace: string, grep: string | undefined): Promise<number> {
  const { runTests } = await import('@vscode/test-electron');
  try {
    await runTests({
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: testsBundle,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { [resultFileVariable]: resultFile, ...(grep ? { [grepVariable]: grep } : {}) },
    });
    return 0;
  } catch (error) {
    log(`VS Code reported: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function readSummary(): IntegrationRunSummary {
  if (!existsSync(resultFile)) {
    throw new Error(`the suite wrote no summary (${resultFile}): it did not run inside VS Code`);
  }
  return JSON.parse(readFileSync(resultFile, 'utf8')) as IntegrationRunSummary;
}

function report(summary: IntegrationRunSummary): void {
  log(`VS Code ${summary.vscodeVersion}`);
  for (const test of summary.tests) {
    const mark = test.state === 'passed' ? 'ok  ' : test.state === 'failed' ? 'FAIL' : 'skip';
    log(`  ${mark} ${test.title} (${test.durationMs} ms)`);
    if (test.error) log(`       ${test.error.split('\n').join('\n       ')}`);
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const grepIndex = process.argv.indexOf('--grep');
  const grep = grepIndex >= 0 ? process.argv[grepIndex + 1] : process.env[grepVariable];
  mkdirSync(outputDir, { recursive: true });
  rmSync(resultFile, { force: true });
  build();
  const workspace = prepareWorkspace();
  const mode = process.env.HYPERBO_VSCODE === 'electron' ? 'electron' : 'code-server';
  log(`running the suite in ${mode}`);
  const exitCode = mode === 'electron' ? await runInElectron(workspace, grep) : await runInCodeServer(workspace, grep);
  const summary = readSummary();
  report(summary);
  const total = summary.passed + summary.failed;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`integration: ${summary.passed} passed, ${summary.failed} failed, ${summary.pending} skipped`);
  log(`finished in ${seconds} s (VS Code exit code ${exitCode})`);
  if (total === 0) {
    log('no test ran: failing the run');
    return 1;
  }
  return exitCode === 0 && summary.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[integration] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
