// prior.from and the workspace scan never walk the whole disk: absolute patterns are refused unless allowed, links
// to / and loops are not followed (each file is listed once), and files, bytes and time are bounded with a message.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PriorSourceError, resolvePriorSources } from '../../../src/priors/sources';
import { WorkspaceIndex } from '../../../src/server/service/workspaceIndex';

describe('priors/sources: bounded prior.from', function () {
  this.timeout(60_000);
  let dir: string;
  let exp: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-sources-'));
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 'a.jsonl'), '{}\n');
    writeFileSync(path.join(dir, 'other.hyperbo.yaml'), 'name: other\n');
    exp = path.join(dir, 'exp.hyperbo.yaml');
    writeFileSync(exp, 'name: exp\n');
    symlinkSync('/', path.join(dir, 'root-link'));
    symlinkSync('..', path.join(dir, 'data', 'loop'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a symlink to / and a loop are not walked: ** finds the workspace files, each once, quickly', async () => {
    const t0 = Date.now();
    const s = await resolvePriorSources(exp, ['**/*.jsonl', '**/*.hyperbo.yaml']);
    assert.ok(Date.now() - t0 < 10_000);
    assert.deepEqual(s.matched, [path.join(dir, 'data', 'a.jsonl'), path.join(dir, 'exp.hyperbo.yaml'), path.join(dir, 'other.hyperbo.yaml')]);
    assert.deepEqual(s.experimentFiles, [path.join(dir, 'other.hyperbo.yaml')]);
    assert.deepEqual(s.dataFiles, [path.join(dir, 'data', 'a.jsonl')]);
  });

  it('a file reached through a link and directly counts once', async () => {
    symlinkSync(path.join(dir, 'data', 'a.jsonl'), path.join(dir, 'b.jsonl'));
    const s = await resolvePriorSources(exp, ['**/*.jsonl']);
    assert.equal(s.dataFiles.length, 1);
  });

  it('absolute patterns (/**/*.jsonl, /etc/*) are refused unless allowed', async () => {
    for (const p of ['/**/*.jsonl', '/etc/*', '~/x/*.jsonl']) {
      await assert.rejects(resolvePriorSources(exp, [p]), (e: unknown) => e instanceof PriorSourceError && /absolute path/.test(e.message) && e.message.includes(p));
    }
    const allowed = await resolvePriorSources(exp, [path.join(dir, 'data', '*.jsonl')], { allowAbsolute: true });
    assert.deepEqual(allowed.dataFiles, [path.join(dir, 'data', 'a.jsonl')]);
  });

  it('past the file or byte bound it stops with a message naming the bound', async () => {
    for (let k = 0; k < 30; k++) writeFileSync(path.join(dir, 'data', `f${k}.jsonl`), 'x'.repeat(100) + '\n');
    await assert.rejects(resolvePriorSources(exp, ['data/*.jsonl'], { maxFiles: 10 }), /matches more than 10 files/);
    await assert.rejects(resolvePriorSources(exp, ['data/*.jsonl'], { maxBytes: 1000 }), /GiB of data files/);
    const ok = await resolvePriorSources(exp, ['data/*.jsonl']);
    assert.equal(ok.dataFiles.length, 31);
  });

  it('a cancelled walk stops with a PriorSourceError', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(resolvePriorSources(exp, ['**/*.jsonl'], { signal: controller.signal }), PriorSourceError);
  });

  it('the workspace scan does not follow the link to / or the loop, and indexes each experiment once', async () => {
    const index = new WorkspaceIndex([dir], () => ({ diagnostics: [] }));
    const uris = await index.scan();
    assert.deepEqual(uris.map((u) => path.basename(new URL(u).pathname)).sort(), ['exp.hyperbo.yaml', 'other.hyperbo.yaml']);
    assert.equal(index.limitHit, undefined);
  });
});
