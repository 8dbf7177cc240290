// prior.from and the workspace scan never walk the whole disk (issue 10 item 4): patterns leaving the workspace
// folders are refused unless a folder is allowed, links are followed only inside them, a loop lists a file once, and
// entries, files, bytes and depth are bounded with a message naming the bound; a signal cancels the walk.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expandBraces, listFiles, ListingCancelledError, SOURCE_LIMITS } from '../../../src/priors/listing';
import { limitMessage, listingNotes, resolvePriorSources } from '../../../src/priors/sources';
import { readSettings } from '../../../src/server/service/settings';
import { WorkspaceIndex } from '../../../src/server/service/workspaceIndex';

describe('priors/listing: bounded prior.from inside the workspace', function () {
  this.timeout(60_000);
  let top: string;
  let ws: string;
  let outside: string;
  let exp: string;
  beforeEach(() => {
    top = mkdtempSync(path.join(tmpdir(), 'hyperbo-listing-'));
    ws = path.join(top, 'ws');
    outside = path.join(top, 'outside');
    mkdirSync(path.join(ws, 'data'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.jsonl'), '{}\n');
    writeFileSync(path.join(outside, 'far.hyperbo.yaml'), 'name: far\n');
    writeFileSync(path.join(ws, 'data', 'a.jsonl'), '{}\n');
    writeFileSync(path.join(ws, 'other.hyperbo.yaml'), 'name: other\n');
    exp = path.join(ws, 'exp.hyperbo.yaml');
    writeFileSync(exp, 'name: exp\n');
    symlinkSync('/', path.join(ws, 'root-link'));
    symlinkSync(outside, path.join(ws, 'outside-link'));
    symlinkSync('..', path.join(ws, 'data', 'loop'));
  });
  afterEach(() => rmSync(top, { recursive: true, force: true }));

  const list = (patterns: string[], extra: Partial<Parameters<typeof listFiles>[2]> = {}) => listFiles(ws, patterns, { roots: [ws], ...extra });

  it('/**/*.jsonl, /etc/* and ../outside/* are refused without being walked, each on its own entry', async () => {
    const l = await list(['/**/*.jsonl', '/etc/*', '../outside/*.jsonl', '~/*.jsonl', 'data/*.jsonl'], { allowHint: 'you allow it' });
    assert.deepEqual(l.patterns.map((p) => p.refused !== undefined), [true, true, true, true, false]);
    for (const p of l.patterns.slice(0, 4)) {
      assert.equal(p.files.length, 0);
      assert.match(p.refused!, /outside the workspace folders; HyperBO reads only files inside them unless you allow it/);
      assert.ok(p.refused!.includes(`"${p.pattern}"`));
    }
    assert.deepEqual(l.files, [path.join(ws, 'data', 'a.jsonl')]);
    assert.equal(l.limit, undefined);
  });

  it('a symlink to / inside the workspace is not followed (** lists only the workspace); naming it is refused', async () => {
    const l = await list(['**/*.jsonl', '**/*.hyperbo.yaml']);
    assert.deepEqual(l.files, [path.join(ws, 'data', 'a.jsonl'), exp, path.join(ws, 'other.hyperbo.yaml')].sort());
    const out = l.patterns[0]!.linksOut.map((x) => path.basename(x.link)).sort();
    assert.deepEqual(out, ['outside-link', 'root-link']);
    assert.ok(listingNotes(l).some((n) => /link\(s\) pointing outside the workspace folders not followed/.test(n)));
    const named = await list(['root-link/etc/*', 'outside-link/*.jsonl']);
    assert.ok(named.patterns.every((p) => p.refused && p.files.length === 0));
  });

  it('a symlink loop lists each file once; a link to a folder inside the workspace is followed', async () => {
    symlinkSync(path.join(ws, 'data'), path.join(ws, 'alias'));
    symlinkSync(path.join(ws, 'data', 'a.jsonl'), path.join(ws, 'b.jsonl'));
    const l = await list(['**/*.jsonl', 'alias/*.jsonl', 'data/loop/data/loop/data/*.jsonl']);
    assert.equal(l.files.length, 1, `one real file: ${l.files.join(', ')}`);
    const viaAlias = await list(['alias/*.jsonl']);
    assert.deepEqual(viaAlias.files, [path.join(ws, 'alias', 'a.jsonl')]);
  });

  it('past a bound the walk stops with the files before it and a message naming the bound', async () => {
    for (let k = 0; k < 30; k++) writeFileSync(path.join(ws, 'data', `f${String(k).padStart(2, '0')}.jsonl`), 'x'.repeat(100) + '\n');
    const files = await list(['data/*.jsonl'], { limits: { maxFiles: 10 } });
    assert.equal(files.files.length, 10);
    assert.equal(files.limit?.name, 'maxFiles');
    assert.match(limitMessage(files.limit!), /prior\.from "data\/\*\.jsonl": the listing stopped at 10 files, the limit \(SOURCE_LIMITS\.maxFiles\)/);
    const bytes = await list(['data/*.jsonl'], { limits: { maxBytes: 1000 } });
    assert.equal(bytes.limit?.name, 'maxBytes');
    assert.ok(bytes.files.length < 31 && bytes.files.length > 0);
    const entries = await list(['**/*.jsonl'], { limits: { maxEntries: 5 } });
    assert.equal(entries.limit?.name, 'maxEntries');
    mkdirSync(path.join(ws, 'd1', 'd2', 'd3'), { recursive: true });
    writeFileSync(path.join(ws, 'd1', 'd2', 'd3', 'deep.jsonl'), '{}\n');
    const deep = await list(['d1/**/*.jsonl'], { limits: { maxDepth: 1 } });
    assert.equal(deep.limit?.name, 'maxDepth');
    assert.equal(deep.files.length, 0);
    const all = await list(['data/*.jsonl']);
    assert.equal(all.files.length, 31);
    assert.equal(all.limit, undefined);
    assert.ok(SOURCE_LIMITS.maxFiles > 0 && SOURCE_LIMITS.maxBytes > 0 && SOURCE_LIMITS.maxEntries > 0);
  });

  it('a folder allowed by the setting is read; other folders outside stay refused', async () => {
    const sibling = path.join(top, 'sibling');
    mkdirSync(sibling);
    writeFileSync(path.join(sibling, 'x.jsonl'), '{}\n');
    const settings = readSettings({ prior: { allowAbsolutePaths: [outside, 'relative/dir', 3] } });
    assert.deepEqual(settings.prior.allowAbsolutePaths, [outside]);
    const l = await list([path.join(outside, '*.jsonl'), '../outside/*.hyperbo.yaml', 'outside-link/*.jsonl', '../sibling/*.jsonl'], { allowed: settings.prior.allowAbsolutePaths });
    assert.deepEqual(l.patterns.map((p) => p.files.map((f) => path.basename(f))), [['secret.jsonl'], ['far.hyperbo.yaml'], [], []]);
    assert.ok(l.patterns[3]!.refused);
    assert.equal(l.patterns[2]!.refused, undefined, 'the link now points into an allowed folder (its file was listed once already)');
  });

  it('resolvePriorSources splits the listing: related experiments, data files, refusals kept for the caller', async () => {
    const s = await resolvePriorSources(exp, ['**/*.hyperbo.yaml', '**/*.jsonl', '/etc/*'], { roots: [ws] });
    assert.deepEqual(s.experimentFiles, [path.join(ws, 'other.hyperbo.yaml')]);
    assert.deepEqual(s.dataFiles, [path.join(ws, 'data', 'a.jsonl')]);
    assert.ok(s.listing.patterns[2]!.refused);
  });

  it('braces expand; a cancelled listing stops with ListingCancelledError', async () => {
    assert.deepEqual(expandBraces('{a,b}/{c,d{e,f}}.x'), ['a/c.x', 'a/de.x', 'a/df.x', 'b/c.x', 'b/de.x', 'b/df.x']);
    const l = await list(['{data,nowhere}/*.jsonl']);
    assert.deepEqual(l.files, [path.join(ws, 'data', 'a.jsonl')]);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(list(['**/*.jsonl'], { signal: controller.signal }), ListingCancelledError);
  });

  it('the workspace scan does not follow the link to / or the loop, indexes each experiment once, and names its bound', async () => {
    const index = new WorkspaceIndex([ws], () => ({ diagnostics: [] }));
    const uris = await index.scan();
    assert.deepEqual(uris.map((u) => path.basename(new URL(u).pathname)).sort(), ['exp.hyperbo.yaml', 'other.hyperbo.yaml']);
    assert.equal(index.limitHit, undefined);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(index.scan(controller.signal), ListingCancelledError);
  });
});
