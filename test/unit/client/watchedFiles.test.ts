// The client's file watchers and the server's registration share one list (shared/protocol WATCHED_FILE_GLOBS):
// the client's own list lacked .txt, .out and .json logs, so a trial writing train.txt was never tailed by events.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { WATCHED_FILE_GLOBS } from '../../../src/shared/protocol';

describe('watched files (one list for the client and the server)', () => {
  // node:path's glob matcher (Node ≥ 20.17) reads these patterns as VS Code's watchers do.
  const watched = (file: string) => WATCHED_FILE_GLOBS.some((glob) => path.matchesGlob(file, glob));
  it('covers experiment files and every log format the tail reads', () => {
    for (const file of ['a/b.hyperbo.yaml', 'runs/1/metrics.jsonl', 'runs/1/log.csv', 'runs/1.log', 'runs/1/train.txt', 'slurm-12.out', 'runs/1/metrics.json', 'data/x.jsonl.gz', 'tb/events.out.tfevents.1712.host']) {
      assert.ok(watched(file), file);
    }
    assert.ok(!watched('src/train.py'));
  });
});
