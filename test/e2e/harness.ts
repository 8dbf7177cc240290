// Drives a real VS Code (code-server) in headless Chromium for the end-to-end suite: the
// packaged .vsix is installed, the examples/ workspace (a fresh copy) is opened, and tests act
// as a user would through the helpers on `Workbench`. See test/e2e/README.md.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { copyExampleWorkspace } from '../exampleCopy';
import { installExtension, launchChromium, locateTools, repoRoot, startCodeServer, TEST_KEYBINDINGS, type CodeServer } from './codeServer';

export const e2eOutputDir = join(repoRoot, 'test-output', 'e2e');
export const vsixPath = join(repoRoot, 'out', 'hyperbo.vsix');

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** CSS selector limiting where the text is looked for (in every frame). */
  readonly within?: string;
}

const defaultTimeoutMs = 30_000;

function log(message: string): void {
  console.log(`      [e2e] ${message}`);
}

/** Packages the extension (production build) with vsce, as a user would get it. */
export function packageExtension(): string {
  const started = Date.now();
  const result = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0 || !existsSync(vsixPath)) {
    throw new Error(`packaging the extension failed (npm run package):\n${result.stdout}${result.stderr}`);
  }
  log(`packaged ${basename(vsixPath)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return vsixPath;
}

function normalise(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

function matches(text: string, pattern: string | RegExp): boolean {
  return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
}

/**
 * Puts `value` in a quick input (the palette, Quick Open) without typing it. Typed text goes wherever the focus is
 * when it arrives, and a workbench still restoring after a reload moves the focus to the editor it restores: the
 * text then landed in the experiment file, whose unsaved edit stopped the runner's writes (a CI failure).
 */
async function setQuickInput(input: Locator, value: string): Promise<void> {
  await input.evaluate(
    (element, text) => {
      const box = element as HTMLInputElement;
      box.value = text;
      box.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
    { timeout: 10_000 },
  );
}

/** How many pixels each of a panel's scrollable tables is wider than its card (0: it fits). */
export async function tableOverflow(frame: Frame): Promise<number[]> {
  return frame.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('.table-scroll')).map((d) => d.scrollWidth - d.clientWidth));
}

async function frameText(frame: Frame, within?: string): Promise<string> {
  try {
    return normalise(
      await frame.evaluate((selector) => {
        const roots = selector ? Array.from(document.querySelectorAll<HTMLElement>(selector)) : [document.body];
        return roots.map((root) => root?.innerText ?? '').join('\n');
      }, within ?? null),
    );
  } catch {
    return ''; // frame navigated or detached while we looked
  }
}

export class Workbench {
  private screenshotCount = 0;

  constructor(
    readonly page: Page,
    readonly server: CodeServer,
    /** Absolute path of the opened workspace (a copy of examples/). */
    readonly workspace: string,
    /** Where screenshots go. */
    readonly outputDir: string = e2eOutputDir,
  ) {}

  /** Waits until `text` appears in the page or any of its frames (webviews included). */
  async waitForText(text: string | RegExp, options: WaitOptions = {}): Promise<Frame> {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (matches(await frameText(frame, options.within), text)) return frame;
      }
      if (Date.now() > deadline) {
        await this.screenshot(`timeout-${String(text).replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`);
        throw new Error(`"${String(text)}" did not appear within ${timeoutMs} ms${options.within ? ` in ${options.within}` : ''}`);
      }
      await this.page.waitForTimeout(200);
    }
  }

  /** Waits until `text` is no longer shown anywhere. */
  async waitForTextGone(text: string | RegExp, options: WaitOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let shown = false;
      for (const frame of this.page.frames()) shown ||= matches(await frameText(frame, options.within), text);
      if (!shown) return;
      if (Date.now() > deadline) throw new Error(`"${String(text)}" was still shown after ${timeoutMs} ms`);
      await this.page.waitForTimeout(200);
    }
  }

  /** The innermost webview frame whose document shows `text` (webviews are nested iframes). */
  async webviewFrame(text: string | RegExp, timeoutMs = defaultTimeoutMs): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frames = this.page.frames().filter((f) => f !== this.page.mainFrame()).reverse();
      for (const frame of frames) {
        if (matches(await frameText(frame), text)) return frame;
      }
      if (Date.now() > deadline) throw new Error(`no webview showing "${String(text)}" within ${timeoutMs} ms`);
      await this.page.waitForTimeout(200);
    }
  }

  /** Gives the editor area focus, so keyboard shortcuts reach the workbench, not a terminal. */
  async focusEditorArea(): Promise<void> {
    const editor = this.page.locator('.part.editor .monaco-editor .view-lines').first();
    if (await editor.isVisible().catch(() => false)) await editor.click();
    else await this.page.locator('.part.editor').first().click({ position: { x: 20, y: 20 } });
  }

  /**
   * Runs a command from the command palette by its full title, e.g. "HyperBO: Show Output".
   * Retries while the palette does not list it yet: extension commands appear only once the
   * extension host has registered the extension, 10–15 s after the workbench shows.
   */
  async runCommand(title: string, timeoutMs = 60_000, options: { opensQuickInput?: boolean } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const palette = this.page.locator('.quick-input-widget');
    const input = palette.locator('input');
    for (;;) {
      // A workbench that is still starting (after a reload) may close the palette under us: try again.
      try {
        await this.focusEditorArea();
        await this.page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await setQuickInput(input, `>${title}`);
        const row = await this.paletteRow(title);
        if (row) {
          await row.click({ timeout: 10_000 });
          // A command that asks something (a quick pick) keeps the widget open with its own question.
          if (!options.opensQuickInput) await palette.waitFor({ state: 'hidden' });
          return;
        }
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await this.page.keyboard.press('Escape');
      if (Date.now() > deadline) {
        await this.screenshot(`command-not-found-${title}`);
        throw new Error(`the command palette did not offer "${title}" within ${timeoutMs} ms`);
      }
      await this.page.waitForTimeout(500);
    }
  }

  /**
   * Runs a command by its test keybinding (codeServer.ts TEST_KEYBINDINGS) where the focus is now, e.g. in a webview
   * panel's group, without the palette.
   */
  async pressCommandKey(command: string): Promise<void> {
    const key = TEST_KEYBINDINGS[command];
    if (!key) throw new Error(`no test keybinding for ${command} (add one to TEST_KEYBINDINGS)`);
    const named = (k: string) => ({ ctrl: 'Control', alt: 'Alt', shift: 'Shift' })[k] ?? k.toUpperCase();
    await this.page.keyboard.press(key.split('+').map(named).join('+'));
  }

  /** The palette row whose label is exactly `title`, once the list shows it (3 s at most). */
  private async paletteRow(title: string): Promise<Locator | undefined> {
    const rows = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title });
    if (!(await rows.first().waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false))) return undefined;
    for (const row of await rows.all()) {
      const label = normalise((await row.locator('.label-name').first().innerText().catch(() => '')).trim());
      if (label === title) return row;
    }
    return undefined;
  }

  /**
   * Opens a workspace file (path relative to the workspace) through Quick Open, showing its first lines. A file a test
   * wrote moments ago may be missing from Quick Open's file search for a while: then its absolute path, which Quick
   * Open opens without searching. Text checks read the rendered lines only, and an editor restored by a window reload
   * came back scrolled to the file's last, empty line: a CI run waited 30 s for a trial's status shown above it.
   */
  async openFile(relativePath: string): Promise<void> {
    const name = basename(relativePath);
    const input = this.page.locator('.quick-input-widget input');
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
    for (const query of [relativePath, join(this.workspace, relativePath)]) {
      await this.focusEditorArea();
      await this.page.keyboard.press('Control+P');
      await input.waitFor({ state: 'visible' });
      await setQuickInput(input, query);
      const listed = await row.waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false);
      if (listed) break;
      await this.page.keyboard.press('Escape');
    }
    await row.click();
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible' });
    await this.page.locator('.part.editor .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
    await this.page.keyboard.press('Control+Home');
  }

  /**
   * Shows line `line` (1-based) of the active editor, centred (Go to Line). Text checks read the rendered lines only,
   * so what a test waits for, a code lens above a trial included, must be on screen; the editor can be only a few lines
   * tall when a panel is open below it.
   */
  async revealLine(line: number): Promise<void> {
    await this.focusEditorArea();
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await setQuickInput(input, `:${line}`);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
  }

  /** Waits for the extension's readiness signal: its log channel reports activation. */
  async waitForExtensionReady(timeoutMs = 90_000): Promise<void> {
    await this.runCommand('HyperBO: Show Output');
    await this.waitForText(/HyperBO \S+ activated/, { within: '.part.panel', timeoutMs });
  }

  /** Reloads the window (Developer: Reload Window), as a user does: the extension host restarts; waits until the extension is ready again. */
  async reloadWindow(): Promise<void> {
    const reloaded = this.page.waitForEvent('load', { timeout: 60_000 });
    await this.runCommand('Developer: Reload Window');
    await reloaded;
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await this.waitForExtensionReady();
  }

  /**
   * After a failed test: a screenshot, and what CI cannot show otherwise — the editor's visible text, the tails of the
   * extension's logs (every extension host of this session), code-server's and the page's errors — on stdout.
   */
  async recordFailure(title: string): Promise<void> {
    await this.screenshot(`FAILED-${title}`).catch(() => undefined);
    const editor = await frameText(this.page.mainFrame(), '.part.editor .monaco-editor .view-lines').catch(() => '');
    const parts = [`editor (visible lines):\n${editor.slice(0, 3000)}`];
    const logs = join(this.outputDir, 'code-server', 'user-data', 'logs');
    const newest = existsSync(logs) ? readdirSync(logs).sort().at(-1) : undefined;
    const tail = (file: string, lines: number, keep: (line: string) => boolean = () => true): string => {
      if (!existsSync(file)) return '';
      return readFileSync(file, 'utf8').split('\n').filter((l) => l && keep(l)).slice(-lines).join('\n');
    };
    const problem = (l: string) => /\[(error|warn|warning|pageerror)\]/i.test(l) && !/open-vsx\.org|ENOTFOUND/.test(l);
    if (newest) {
      const session = join(logs, newest);
      for (const host of readdirSync(session).filter((d) => d.startsWith('exthost')).sort()) {
        parts.push(`${host} HyperBO.log:\n${tail(join(session, host, 'hyperbo-dev.hyperbo', 'HyperBO.log'), 15)}`);
        for (const dir of readdirSync(join(session, host)).filter((d) => d.startsWith('output_logging_'))) {
          for (const f of readdirSync(join(session, host, dir)).filter((f) => f.includes('HyperBO Runs'))) parts.push(`${host} ${f}:\n${tail(join(session, host, dir, f), 10)}`);
        }
      }
      parts.push(`remoteagent.log problems:\n${tail(join(session, 'remoteagent.log'), 10, problem)}`);
    }
    parts.push(`browser console problems:\n${tail(join(this.outputDir, 'browser-console.log'), 15, problem)}`);
    console.log(`      [e2e] diagnostics for "${title}":\n${parts.join('\n---\n').replace(/^/gm, '        ')}`);
  }

  /** Saves a screenshot of the whole window to outputDir/NN-name.png (test-output/e2e by default) and returns its path. */
  async screenshot(name: string): Promise<string> {
    this.screenshotCount += 1;
    const file = join(this.outputDir, `${String(this.screenshotCount).padStart(2, '0')}-${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}

export interface E2eSession {
  readonly workbench: Workbench;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Folder for screenshots, the workspace copy and code-server's state; emptied first. Default test-output/e2e. */
  readonly outputDir?: string;
  /**
   * Leave VS Code's workspace trust on (no --disable-workspace-trust): the fresh workspace is
   * then untrusted and opens in Restricted Mode (the startup prompt is off in codeServer.ts).
   */
  readonly untrustedWorkspace?: boolean;
  /** Adds files to the workspace copy before code-server starts. */
  readonly prepareWorkspace?: (workspace: string) => void;
  /** Extra environment for code-server and so for the extension host (e.g. SLURM_CONF). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Packages and installs the extension, starts code-server on a fresh copy of examples/, opens
 * it in headless Chromium and waits for the workbench and the extension to be ready.
 */
export async function startSession(options: SessionOptions = {}): Promise<E2eSession> {
  const started = Date.now();
  const outputDir = options.outputDir ?? e2eOutputDir;
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const tools = locateTools();
  // HYPERBO_E2E_REUSE_VSIX=1 skips packaging while iterating on tests alone.
  if (process.env.HYPERBO_E2E_REUSE_VSIX === '1' && existsSync(vsixPath)) log(`reusing ${vsixPath}`);
  else packageExtension();

  const stateDir = join(outputDir, 'code-server');
  installExtension(tools, stateDir, vsixPath);
  const workspace = join(outputDir, 'workspace');
  rmSync(workspace, { recursive: true, force: true });
  mkdirSync(workspace, { recursive: true });
  // Pristine (no trials, no runs/) whatever a tuning session left in examples/; data/ goes beside it for ../data.
  copyExampleWorkspace(workspace);
  options.prepareWorkspace?.(workspace);
  // ../data is outside the opened folder, so the example's prior.from needs the user's opt-in, as a user who opens
  // examples/ alone gives it. The setting is machine-scoped and code-server is a remote: it goes in the machine's
  // settings (Remote settings in VS Code's UI), which a workspace cannot override.
  const machineSettings = join(stateDir, 'user-data', 'Machine');
  mkdirSync(machineSettings, { recursive: true });
  writeFileSync(join(machineSettings, 'settings.json'), JSON.stringify({ 'hyperbo.prior.allowAbsolutePaths': [join(outputDir, 'data')] }, null, 2));

  const server = await startCodeServer(tools, { stateDir, workspace, disableWorkspaceTrust: !options.untrustedWorkspace, ...(options.env ? { env: options.env } : {}) });
  let browser: Browser | undefined;
  let page: Page | undefined;
  try {
    browser = await launchChromium(tools);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleLog = join(outputDir, 'browser-console.log');
    page.on('console', (message) => appendFileSync(consoleLog, `[${message.type()}] ${message.text()}\n`));
    page.on('pageerror', (error) => appendFileSync(consoleLog, `[pageerror] ${error.message}\n`));
    // Loading the workbench can take well over the default 30 s on a loaded machine.
    await page.goto(server.workbenchUrl(), { timeout: 120_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    const workbench = new Workbench(page, server, workspace, outputDir);
    await workbench.waitForExtensionReady();
    log(`workbench and extension ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const openedBrowser = browser;
    return {
      workbench,
      async close() {
        await openedBrowser.close();
        await server.stop();
      },
    };
  } catch (error) {
    await page?.screenshot({ path: join(outputDir, 'startup-failed.png') }).catch(() => undefined);
    await browser?.close();
    await server.stop();
    throw error;
  }
}
