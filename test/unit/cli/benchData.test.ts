// `hyperbo bench regret --data 'GLOB'` (and bench/robust/run.ts) expand quoted globs through the bounded walk of
// prior.from (src/priors/listing.ts listNamedPattern): the named folder is the root, links out of it are not
// followed, a loop lists a file once, and a bound reached is an error naming it, never a partial benchmark.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListingLimitError, listNamedPattern } from '../../../src/priors/listing';
import { runCli } from './harness';

describe('bench --data globs: the bounded walk', function () {
  this.timeout(120_000);
  let top: string;
  beforeEach(() => (top = mkdtempSync(path.join(tmpdir(), 'hyperbo-bench-data-'))));
  afterEach(() => rmSync(top, { recursive: true, force: true }));

  it('lists the named folder (absolute or relative), not following links out of it; a loop lists each file once', async () => {
    const data = path.join(top, 'data');
    const outside = path.join(top, 'outside');
    mkdirSync(path.join(data, 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(data, 'a.json'), '{}');
    writeFileSync(path.join(data, 'sub', 'b.json'), '{}');
    writeFileSync(path.join(outside, 'far.json'), '{}');
    symlinkSync(outside, path.join(data, 'out-link'));
    symlinkSync('..', path.join(data, 'sub', 'loop'));
    const absolute = await listNamedPattern('/', `${data}/**/*.json`);
    assert.deepEqual(absolute.files, [path.join(data, 'a.json'), path.join(data, 'sub', 'b.json')]);
    assert.equal(absolute.notes.length, 1);
    assert.match(absolute.notes[0]!, /1 link\(s\) out of .* not followed \(.*out-link → .*outside\)/);
    const relative = await listNamedPattern(top, 'data/{*.json,sub/*.json}');
    assert.deepEqual(relative.files, absolute.files);
  });

  it('a bound reached is a ListingLimitError naming it', async () => {
    for (let i = 0; i < 5; i++) writeFileSync(path.join(top, `t${i}.json`), '{}');
    await assert.rejects(listNamedPattern(top, '*.json', { maxFiles: 3 }), (e: Error) => e instanceof ListingLimitError && /SOURCE_LIMITS\.maxFiles/.test(e.message));
    assert.equal((await listNamedPattern(top, '*.json', { maxFiles: 5 })).files.length, 5);
  });

  it('the real hyperbo bench regret stops with the bound named (exit 1) when --data reaches past SOURCE_LIMITS', () => {
    // A task 34 folders down: past SOURCE_LIMITS.maxDepth (32). An unbounded glob found it and went on to run.
    const deep = path.join(top, 'tasks', ...Array.from({ length: 34 }, (_, i) => `d${i}`));
    mkdirSync(deep, { recursive: true });
    writeFileSync(path.join(top, 'tasks', 'a.json'), '{}');
    writeFileSync(path.join(deep, 'b.json'), '{}');
    const r = runCli(['bench', 'regret', '--data', 'tasks/**/*.json', '--metric', 'score', '--budget', '2', '--seeds', '1'], top);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /--data "tasks\/\*\*\/\*\.json": the listing did not enter folders more than 32 levels deep, the limit \(SOURCE_LIMITS\.maxDepth\)/);
  });
});
