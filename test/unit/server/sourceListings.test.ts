// SourceListings without a server: a listing that matched nothing is made again by the timer, so a file created
// where no watcher reports it is found; files created or deleted (the watcher's events) make the next request list
// again; a newer prior.from cancels the listing it replaces.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListingCancelledError } from '../../../src/priors';
import { DEFAULT_SETTINGS } from '../../../src/server/service/settings';
import { listingDiagnostics, SourceListings } from '../../../src/server/service/sourceListings';
import { pathToUri } from '../../../src/server/service/workspaceIndex';

describe('server SourceListings (no connection)', function () {
  this.timeout(60_000);
  let root: string;
  let listings: SourceListings | undefined;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'hyperbo-listings-'));
    mkdirSync(path.join(root, 'data'));
  });
  afterEach(() => {
    listings?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  const make = (listed: (uri: string) => void = () => undefined, relistMs?: number) =>
    (listings = new SourceListings({ roots: [root], settings: async () => DEFAULT_SETTINGS, listed, relistMs }));

  it('the timer lists a listing that matched nothing again: a file made without an event is found', async () => {
    const file = path.join(root, 'exp.hyperbo.yaml');
    const uri = pathToUri(file);
    const found = new Promise<void>((resolve) => {
      const l = make((u) => {
        if (u === uri && (l.current(uri)?.files.length ?? 0) > 0) resolve();
      }, 20);
    });
    listings!.update(file, ['data/*.jsonl']);
    const first = await listings!.get(file, ['data/*.jsonl']);
    assert.deepEqual(first.files, []);
    const text = 'prior:\n  from: [data/*.jsonl]\n';
    assert.deepEqual(listingDiagnostics(text, first).map((d) => d.code), ['prior-glob-empty']);
    writeFileSync(path.join(root, 'data', 'a.jsonl'), '{}\n');
    await found;
    assert.deepEqual(listings!.current(uri)!.files, [path.join(root, 'data', 'a.jsonl')]);
    assert.deepEqual(listingDiagnostics(text, listings!.current(uri)), []);
  });

  it('after a file event the next request lists again; a newer prior.from cancels the listing it replaces', async () => {
    const file = path.join(root, 'exp.hyperbo.yaml');
    make();
    writeFileSync(path.join(root, 'data', 'a.jsonl'), '{}\n');
    assert.equal((await listings!.get(file, ['data/*.jsonl'])).files.length, 1);
    writeFileSync(path.join(root, 'data', 'b.jsonl'), '{}\n');
    assert.equal((await listings!.get(file, ['data/*.jsonl'])).files.length, 1, 'no event: the listing made is used');
    listings!.invalidate();
    assert.equal((await listings!.get(file, ['data/*.jsonl'])).files.length, 2);
    listings!.update(file, ['**/*.jsonl']);
    const replaced = listings!.pending(pathToUri(file))!;
    listings!.update(file, ['data/a.jsonl']);
    await assert.rejects(replaced, ListingCancelledError);
    assert.deepEqual((await listings!.get(file, ['data/a.jsonl'])).files, [path.join(root, 'data', 'a.jsonl')]);
  });

  it('a steady stream of file events does not hold back the listing they ask for', async () => {
    const file = path.join(root, 'exp.hyperbo.yaml');
    const uri = pathToUri(file);
    let relisted = 0;
    make((u) => {
      if (u === uri) relisted++;
    });
    listings!.update(file, ['data/*.jsonl']);
    await listings!.get(file, ['data/*.jsonl']);
    const before = relisted;
    // An event every 50 ms for 3 s: far more often than the 300 ms batch.
    for (let i = 0; i < 60; i++) {
      listings!.invalidate();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(relisted > before, 'listed again while the events went on');
  });
});
