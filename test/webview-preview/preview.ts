// Renders every HyperBO panel from fixture data in headless Chromium, under the same CSP the extension uses,
// checks the interactions, and saves screenshots per theme: npx tsx test/webview-preview/preview.ts [--theme dark]
// Needs a built bundle (node esbuild.mjs) and Chromium (/usr/bin/chromium or HYPERBO_CHROMIUM).
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { panelHtml } from '../../src/client/panels/html';
import { bestTrial } from '../../src/shared/trials';
import type { FromWebview, PanelKind, ToWebview } from '../../src/shared/webviewProtocol';
import { fixtureHistory, fixturePosterior, fixtureProvenance, fixtureSuggestions, fixtureTrials, fixtureUri } from './fixtures';

const root = resolve(__dirname, '../..');
const outDir = join(root, 'test-output', 'webview-preview');
const themes = ['dark', 'light', 'high-contrast'] as const;
type Theme = (typeof themes)[number];

const contentTypes: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.html': 'text/html' };

/** Serves the bundle, media and the preview themes; `/panel/<kind>/<theme>` is the panel's HTML. */
function serve(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = `http://${req.headers.host}`;
    const panel = /^\/panel\/(\w+)\/([\w-]+)$/.exec(url.pathname);
    if (panel) {
      const html = panelHtml({
        kind: panel[1] as PanelKind, title: `preview ${panel[1]}`, nonce: randomBytes(16).toString('base64'), cspSource: origin,
        scriptUri: `${origin}/dist/webview/main.js`,
        styleUris: [`${origin}/media/plotly.css`, `${origin}/media/panels.css`, `${origin}/test/webview-preview/themes.css`],
      }).replace('<body ', `<body class="vscode-${panel[2]}" `);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      return;
    }
    const allowed = ['/dist/webview/', '/media/', '/test/webview-preview/'];
    const file = join(root, url.pathname);
    if (!allowed.some((p) => url.pathname.startsWith(p)) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    done({ server, origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
  }));
}

interface Probe {
  page: Page;
  received: FromWebview[];
  problems: string[];
}

async function openPanel(page: Page, origin: string, kind: PanelKind, theme: Theme): Promise<Probe> {
  const received: FromWebview[] = [];
  const problems: string[] = [];
  page.removeAllListeners('console');
  page.removeAllListeners('pageerror');
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); if (process.env.PREVIEW_DEBUG) console.log(m.text()); });
  page.on('pageerror', (e) => { if (process.env.PREVIEW_DEBUG) console.log(e.message); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${origin}/panel/${kind}/${theme}`);
  await page.waitForFunction(() => (window as unknown as { previewMessages: unknown[] }).previewMessages.some((m) => (m as { type: string }).type === 'ready'));
  return { page, received, problems };
}

async function messages(page: Page): Promise<FromWebview[]> {
  return page.evaluate(() => (window as unknown as { previewMessages: FromWebview[] }).previewMessages);
}

async function send(page: Page, message: ToWebview): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

async function waitForPlots(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n, count, { timeout: 20_000 });
  await page.waitForTimeout(300);
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

async function main(): Promise<void> {
  const only = process.argv.includes('--theme') ? [process.argv[process.argv.indexOf('--theme') + 1] as Theme] : [...themes];
  mkdirSync(outDir, { recursive: true });
  const { server, origin } = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.HYPERBO_CHROMIUM ?? '/usr/bin/chromium',
    // Parallel coordinates draw with WebGL; headless Chromium has it only through SwiftShader.
    args: ['--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  const failures: string[] = [];
  const shots: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
    // tsx wraps named functions in __name(); functions sent into the page need it defined there too.
    await context.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((f) => f);' });
    await context.addInitScript(() => {
      const w = window as unknown as { previewMessages: unknown[]; cspViolations: string[]; acquireVsCodeApi: () => unknown };
      w.previewMessages = [];
      w.cspViolations = [];
      let state: unknown;
      w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.previewMessages.push(m), getState: () => state, setState: (s: unknown) => { state = s; } });
      document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
    });
    const page = await context.newPage();
    const check = async (name: string, body: () => Promise<void>): Promise<void> => {
      try {
        await body();
        console.log(`  ok   ${name}`);
      } catch (error) {
        failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        console.log(`  FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    const shot = async (file: string, fullPage = true): Promise<void> => {
      const path = join(outDir, file);
      await page.screenshot({ path, fullPage });
      shots.push(path);
    };

    for (const theme of only) {
      console.log(`theme ${theme}`);
      // Suggestions
      await openPanel(page, origin, 'suggestions', theme);
      await send(page, { type: 'loading', message: 'Computing the next configuration…' });
      await shot(`suggestions-loading-${theme}.png`, false);
      await send(page, { type: 'suggestions', data: fixtureSuggestions() });
      await page.waitForSelector('.card');
      await shot(`suggestions-${theme}.png`);
      await check(`suggestions (${theme}): Apply & Run by keyboard posts applyAndRun`, async () => {
        await page.locator('.card').nth(1).getByRole('button', { name: 'Apply & Run' }).focus();
        await page.keyboard.press('Enter');
        const sent = await messages(page);
        assert.deepEqual(sent.at(-1), { type: 'applyAndRun', index: 1 });
      });
      await check(`suggestions (${theme}): error state with Retry`, async () => {
        await send(page, { type: 'error', message: 'The language server stopped: restart it with "HyperBO: Restart Server".' });
        await page.getByRole('button', { name: 'Retry' }).click();
        assert.deepEqual((await messages(page)).at(-1), { type: 'refresh' });
        await shot(`suggestions-error-${theme}.png`, false);
      });

      // Posterior
      await openPanel(page, origin, 'posterior', theme);
      await check(`posterior (${theme}): asks once for the default contour pair when the first answer has none`, async () => {
        await send(page, { type: 'posterior', data: { ...fixturePosterior({ includePrior: true }), contour: undefined } });
        await page.waitForSelector('.plot-figure');
        assert.deepEqual((await messages(page)).at(-1), { type: 'posteriorOptions', anchor: 'best', includePrior: true, pair: ['learning_rate', 'one_minus_momentum'] });
      });
      await send(page, { type: 'posterior', data: fixturePosterior({ includePrior: true }) });
      await waitForPlots(page, 5);
      await shot(`posterior-${theme}.png`);
      await check(`posterior (${theme}): prior toggle and pair select post posteriorOptions`, async () => {
        await page.getByLabel('Show the prior before conditioning').uncheck();
        assert.deepEqual((await messages(page)).at(-1), { type: 'posteriorOptions', anchor: 'best', includePrior: false, pair: ['learning_rate', 'one_minus_momentum'] });
        await send(page, { type: 'posterior', data: fixturePosterior({ includePrior: false }) });
        await page.getByRole('combobox', { name: 'y axis', exact: true }).selectOption('lr_decay_power');
        assert.deepEqual((await messages(page)).at(-1), { type: 'posteriorOptions', anchor: 'best', includePrior: false, pair: ['learning_rate', 'lr_decay_power'] });
      });

      // History
      await openPanel(page, origin, 'history', theme);
      const running = fixtureTrials();
      await send(page, { type: 'history', data: fixtureHistory(running) });
      await waitForPlots(page, 3);
      await check(`history (${theme}): sort by value with the keyboard`, async () => {
        await page.getByRole('button', { name: 'valid/error_rate' }).focus();
        await page.keyboard.press('Enter');
        const sort = await page.locator('th[aria-sort="ascending"]').textContent();
        assert.match(sort ?? '', /valid\/error_rate/);
        const firstId = await page.locator('.trials-table tbody tr').first().locator('td').first().textContent();
        const best = running.filter((t) => t.status === 'completed').reduce((a, b) => (b.value! < a.value! ? b : a));
        assert.equal(firstId, String(best.id));
      });
      await check(`history (${theme}): live learning curve grows on trialUpdated`, async () => {
        const trial = running.at(-1)!;
        const before = await page.evaluate(() => document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length);
        const grown = { ...trial, curve: [...trial.curve!, ...Array.from({ length: 10 }, (_, i) => ({ step: (19 + i) * 50, value: 0.06 - i * 0.001 }))] };
        await send(page, { type: 'trialUpdated', trial: grown });
        await page.waitForTimeout(400);
        const points = await page.evaluate(() => {
          const plots = [...document.querySelectorAll('.js-plotly-plot')] as (HTMLElement & { data?: { name?: string; x: number[] }[] })[];
          const curves = plots[1].data ?? [];
          return curves.find((t) => String(t.name).includes('running'))?.x.length ?? 0;
        });
        assert.equal(points, 28);
        assert.ok(before > 0);
      });
      await check(`history (${theme}): Log button posts openLog`, async () => {
        await page.locator('.trials-table tbody tr').first().getByRole('button', { name: 'Log' }).click();
        assert.equal((await messages(page)).at(-1)?.type, 'openLog');
      });
      await check(`history (${theme}): Compare button posts compareTrial for its row`, async () => {
        // The table is sorted by value: its first row is the best trial (★).
        const best = bestTrial(fixtureHistory().trials, fixtureHistory().goal)!;
        await page.locator('.trials-table tbody tr.best').getByRole('button', { name: 'Compare' }).click();
        assert.deepEqual((await messages(page)).at(-1), { type: 'compareTrial', trialId: best.id });
      });
      await shot(`history-${theme}.png`);

      // Provenance
      await openPanel(page, origin, 'provenance', theme);
      await send(page, { type: 'provenance', data: fixtureProvenance() });
      await page.waitForSelector('.key-values');
      await shot(`provenance-${theme}.png`);

      await check(`no CSP violation for scripts or eval (${theme})`, async () => {
        const violations = await cspViolations(page);
        assert.deepEqual(violations.filter((v) => v.startsWith('script-src')), []);
      });
    }

    // Workspace strings are text, never markup: a parameter and an experiment named like HTML.
    console.log('escaping');
    await openPanel(page, origin, 'history', 'dark');
    const hostile = fixtureHistory();
    hostile.experiment = '<img src=x onerror=alert(1)>';
    hostile.parameters = hostile.parameters.map((p, i) => (i === 0 ? { ...p, name: '<b>lr</b>' } : p));
    hostile.trials = hostile.trials.map((t) => ({ ...t, params: { ...t.params, '<b>lr</b>': t.params.learning_rate } }));
    await send(page, { type: 'history', data: hostile });
    await waitForPlots(page, 3);
    await check('experiment and parameter names render as literal text', async () => {
      assert.equal(await page.locator('img').count(), 0);
      assert.match((await page.locator('h1').textContent()) ?? '', /<img src=x/);
      assert.equal(await page.locator('.trials-table b').count(), 0);
      assert.equal(await page.locator('.js-plotly-plot b, .js-plotly-plot tspan[style*="bold"]').count(), 0);
      assert.ok(await page.locator('.js-plotly-plot text', { hasText: '<b>lr</b>' }).count() > 0, 'the parcoords label shows the name literally');
    });
    await shot('history-escaping-dark.png');
    await context.close();
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
  if (failures.length > 0) {
    console.log(`${failures.length} check(s) failed`);
    process.exit(1);
  }
  console.log(`all checks passed (${fixtureUri})`);
}

// PREVIEW_SERVE_ONLY=1 only serves the pages (open `<origin>/panel/<kind>/<theme>` by hand).
if (process.env.PREVIEW_SERVE_ONLY) void serve().then(({ origin }) => console.log(origin));
else void main();
