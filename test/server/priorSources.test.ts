// Issue 10 item 4 against the real language server: prior.from is listed in the background, inside the workspace
// folders (refusals and links not followed are diagnostics on the entry), bounded (a warning names the bound), an
// allowed folder is read, other files' hovers and lenses are answered while a big listing runs, a newer listing
// cancels it, and a data file fixed (or made) after a failure is read on the next request.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-types';
import { ListingCancelledError } from '../../src/priors';
import type { ExperimentSummary } from '../../src/shared/dto';
import { ListExperimentsRequest, PretrainRequest } from '../../src/shared/protocol';
import { startTestServer, uriOf, type TestServer } from './harness';

const HEAD = `objective: { metric: score, goal: minimize }
search_space:
  lr:  { type: float, low: 1.0e-4, high: 1, scale: log }
  mom: { type: float, low: 0, high: 1 }
`;
const TRIALS = `trials:
  - { id: 1, params: { lr: 0.001, mom: 0.9 }, status: completed, value: 0.8 }
  - { id: 2, params: { lr: 0.01, mom: 0.5 }, status: completed, value: 0.3 }
  - { id: 3, params: { lr: 0.1, mom: 0.2 }, status: completed, value: 0.6 }
`;

/** An HPOBench-style task over lr × mom (4 × 4 grid). */
function taskFile(name: string): string {
  const lrs = [1e-4, 1e-2, 1e-1, 1];
  const moms = [0, 0.3, 0.6, 1];
  const data: Record<string, number[]> = {};
  lrs.forEach((lr, i) => moms.forEach((m, j) => (data[`${i}${j}`] = [(Math.log10(lr) + 2.5) ** 2 + (m - 0.6) ** 2])));
  return JSON.stringify({ dataset: name, direction: 'minimize', params: [{ name: 'lr', type: 'float', choices: lrs }, { name: 'mom', type: 'float', choices: moms }], data });
}

const FAST = { pretrain: { steps: 15 }, logs: { pollInterval: 0 } };

describe('server: prior.from listed in the background, inside the workspace, bounded', function () {
  this.timeout(180_000);
  let top: string;
  let root: string;
  let outside: string;
  let server: TestServer | undefined;
  const a = () => path.join(root, 'a.hyperbo.yaml');
  const b = () => path.join(root, 'b.hyperbo.yaml');

  beforeEach(() => {
    top = mkdtempSync(path.join(tmpdir(), 'hyperbo-sources-server-'));
    root = path.join(top, 'ws');
    outside = path.join(top, 'outside');
    mkdirSync(path.join(root, 'data'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'task-out.json'), taskFile('task-out'));
    writeFileSync(path.join(outside, 'far.hyperbo.yaml'), 'name: far\n' + HEAD + TRIALS);
    writeFileSync(path.join(root, 'data', 'task-a.json'), taskFile('task-a'));
    writeFileSync(b(), 'name: bee\n' + HEAD + TRIALS);
    symlinkSync('/', path.join(root, 'root-link'));
    symlinkSync(outside, path.join(root, 'outside-link'));
    symlinkSync('..', path.join(root, 'data', 'loop'));
  });
  afterEach(async () => {
    await server?.dispose();
    server = undefined;
    rmSync(top, { recursive: true, force: true });
  });

  const experiment = (from: string[]) => 'name: ay\n' + HEAD + `prior:\n  from: ${JSON.stringify(from)}\n  objective: nll\n` + TRIALS;
  const svc = () => server!.handle.service()!;
  const diagnosticsOf = (uri: string, match: (d: Diagnostic[]) => boolean) =>
    server!.waitFor<{ uri: string; diagnostics: Diagnostic[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri && match(p.diagnostics));

  it('/**/*.jsonl, /etc/*, ../outside and a link to / are refused on their entries; links out and a loop are not followed', async () => {
    const from = ['/**/*.jsonl', '/etc/*', '../outside/*.json', 'root-link/etc/*', '**/*.json'];
    const text = experiment(from);
    writeFileSync(a(), text);
    server = await startTestServer(root, FAST);
    const uri = uriOf(a());
    const { diagnostics } = await diagnosticsOf(uri, (d) => d.some((x) => x.code === 'prior-outside-workspace'));
    const refused = diagnostics.filter((d) => d.code === 'prior-outside-workspace');
    assert.equal(refused.length, 4, JSON.stringify(diagnostics));
    const line = text.split('\n').findIndex((l) => l.includes('from:'));
    for (const [i, pattern] of from.slice(0, 4).entries()) {
      const d = refused[i]!;
      assert.equal(d.severity, 2);
      assert.equal(d.range.start.line, line);
      assert.equal(text.split('\n')[line]!.slice(d.range.start.character, d.range.end.character), JSON.stringify(pattern));
      assert.match(String(d.message), /outside the workspace folders; HyperBO reads only files inside them unless you add the folder to the setting hyperbo\.prior\.allowAbsolutePaths/);
    }
    const links = diagnostics.filter((d) => d.code === 'prior-link-outside');
    assert.equal(links.length, 1);
    assert.match(String(links[0]!.message), /2 link\(s\) pointing outside the workspace folders not followed/);
    assert.ok(!JSON.stringify(diagnostics).includes('passwd'));
    // The plan learns from the workspace's one data file, once although the loop reaches it again and again.
    const plan = await svc().priors.plan(a(), svc().index.experiment(uri).experiment);
    assert.deepEqual(plan!.input.files, [path.join(root, 'data', 'task-a.json')]);
    // The lens names nothing from elsewhere; the index holds only the workspace's experiments.
    const lenses = JSON.stringify(await server.client.sendRequest('textDocument/codeLens', { textDocument: { uri } }));
    assert.ok(!/passwd|\/etc|task-out|far/.test(lenses), lenses);
    const names = ((await server.client.sendRequest(ListExperimentsRequest.type)) as ExperimentSummary[]).map((e) => e.name).sort();
    assert.deepEqual(names, ['ay', 'bee']);
  });

  it('a listing past a bound warns on the entry, naming the bound', async () => {
    mkdirSync(path.join(root, 'big'));
    // A sparse file: 2 GiB and a bit on paper, no disk used.
    writeFileSync(path.join(root, 'big', 'huge.jsonl'), '{}\n');
    truncateSync(path.join(root, 'big', 'huge.jsonl'), 2 * 1024 ** 3 + 1);
    writeFileSync(a(), experiment(['data/*.json', 'big/*.jsonl']));
    server = await startTestServer(root, FAST);
    const { diagnostics } = await diagnosticsOf(uriOf(a()), (d) => d.some((x) => x.code === 'prior-limit'));
    const limit = diagnostics.find((d) => d.code === 'prior-limit')!;
    assert.equal(limit.severity, 2);
    assert.match(String(limit.message), /prior\.from "big\/\*\.jsonl": the listing stopped at 2 GiB of files, the limit \(SOURCE_LIMITS\.maxBytes\)/);
  });

  it('hyperbo.prior.allowAbsolutePaths lets prior.from read a folder outside the workspace', async () => {
    const from = [path.join(outside, '*.json'), '../outside/*.hyperbo.yaml', 'data/*.json'];
    writeFileSync(a(), experiment(from));
    server = await startTestServer(root, { ...FAST, prior: { allowAbsolutePaths: [outside] } });
    const uri = uriOf(a());
    const listing = await svc().priors.listings.get(a(), from);
    assert.deepEqual(listing.files, [path.join(outside, 'far.hyperbo.yaml'), path.join(outside, 'task-out.json'), path.join(root, 'data', 'task-a.json')].sort());
    assert.deepEqual(svc().priors.diagnostics(uri, experiment(from)), []);
    const plan = await svc().priors.plan(a(), svc().index.experiment(uri).experiment);
    assert.deepEqual(plan!.input.files, [path.join(outside, 'task-out.json'), path.join(root, 'data', 'task-a.json')].sort());
    assert.deepEqual(plan!.input.related.map((r) => r.name), ['far']);
  });

  it('a hover and a lens on another file are answered while a big listing runs; a newer prior.from cancels it', async () => {
    // 300 folders × 100 files: a listing of tens of thousands of entries.
    for (let d = 0; d < 300; d++) {
      const dir = path.join(root, 'big', `d${String(d).padStart(3, '0')}`);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(path.join(dir, `r${f}.jsonl`), '');
    }
    server = await startTestServer(root, FAST);
    const other = uriOf(b());
    await server.open(b(), 'name: bee\n' + HEAD + TRIALS);
    // The other file's model is ready before the big listing starts (the lens computes it once).
    await server.client.sendRequest('textDocument/codeLens', { textDocument: { uri: other } });
    const uri = uriOf(a());
    const started = svc().priors.listings.started;
    await server.open(a(), experiment(['big/**/*.jsonl']));
    while (svc().priors.listings.started === started) await new Promise((r) => setImmediate(r));
    const big = svc().priors.listings.pending(uri)!;
    let bigEnded = false;
    const bigOutcome = big.then(
      () => (bigEnded = true),
      (e: unknown) => ((bigEnded = true), e),
    );
    const hover = (await server.client.sendRequest('textDocument/hover', { textDocument: { uri: other }, position: { line: 3, character: 3 } })) as { contents: { value: string } };
    assert.equal(bigEnded, false, 'the hover was answered while the listing ran');
    assert.match(hover.contents.value, /lr/);
    const lenses = (await server.client.sendRequest('textDocument/codeLens', { textDocument: { uri: other } })) as { command: { title: string } }[];
    assert.equal(bigEnded, false, 'the lens was answered while the listing ran');
    assert.ok(lenses.length > 0);
    // prior.from changes: the big listing is cancelled, the new one lists the data file.
    await server.change(a(), experiment(['data/*.json']), 2);
    assert.ok((await bigOutcome) instanceof ListingCancelledError, 'the big listing was cancelled');
    const now = await svc().priors.listings.get(a(), ['data/*.json']);
    assert.deepEqual(now.files, [path.join(root, 'data', 'task-a.json')]);
  });

  it('a data file fixed after a failed pre-training, or made after prior.from matched nothing, is read on the next request', async () => {
    const task = path.join(root, 'data', 'task-a.json');
    writeFileSync(task, taskFile('task-a').slice(0, 40));
    writeFileSync(a(), experiment(['data/*.json']));
    server = await startTestServer(root, FAST);
    const uri = uriOf(a());
    await assert.rejects(server.client.sendRequest(PretrainRequest.type, { uri }), (e: Error) => /task-a\.json/.test(e.message));
    // Fixed without any file event reaching the server.
    writeFileSync(task, taskFile('task-a'));
    const trained = await server.client.sendRequest(PretrainRequest.type, { uri });
    assert.deepEqual(trained.tasks.map((t) => t.name), ['task-a']);
    // prior.from names a folder that is empty at first; the file appears later, again without an event.
    mkdirSync(path.join(root, 'later'));
    await server.open(a(), experiment(['later/*.json']));
    await assert.rejects(server.client.sendRequest(PretrainRequest.type, { uri }), /matches no file/);
    writeFileSync(path.join(root, 'later', 'task-b.json'), taskFile('task-b'));
    const later = await server.client.sendRequest(PretrainRequest.type, { uri });
    assert.deepEqual(later.tasks.map((t) => t.name), ['task-b']);
  });

  it('the workspace scan stopping at a bound is shown to the user once (a window warning naming the bound), not only logged', async () => {
    writeFileSync(a(), experiment([]));
    // An experiment file 34 folders down: past INDEX_LIMITS.maxDepth (32), so the scan stops short of it.
    const deep = path.join(root, ...Array.from({ length: 34 }, (_, i) => `d${i}`));
    mkdirSync(deep, { recursive: true });
    writeFileSync(path.join(deep, 'deep.hyperbo.yaml'), 'name: deep\n' + HEAD + TRIALS);
    server = await startTestServer(root, FAST);
    const shown = await server.waitFor<{ type: number; message: string }>('window/showMessage', (p) => /INDEX_LIMITS\.maxDepth/.test(p.message));
    assert.equal(shown.type, 2, 'a warning');
    assert.match(shown.message, /^HyperBO: The search for experiment files under .* did not enter folders more than 32 levels deep.*indexed when opened\.$/);
    await server.client.sendRequest(ListExperimentsRequest.type);
    assert.equal(server.notifications.filter((n) => n.method === 'window/showMessage').length, 1, 'once');
    const names = (await server.client.sendRequest(ListExperimentsRequest.type)).map((e: ExperimentSummary) => e.name).sort();
    assert.ok(names.includes('ay') && !names.includes('deep'), JSON.stringify(names));
  });
});
