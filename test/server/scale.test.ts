// An experiment with thousands of trials: the server answers code lenses and hovers (the model conditions on a
// bounded subset, engine/subset.ts). The bounds are far above the expected time (a few seconds; bench:server
// measures it), so only a hang or a super-linear regression fails them.
import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { structureOf } from '../../src/formats/structure';
import { removeWorkspace, settledCodeLenses, startTestServer, tempWorkspace, uriOf, type TestServer } from './harness';
import { LARGE_FIRST_TRIAL_LINE, largeExperiment } from './largeExperiment';

const BOUND_MS = 120_000;

function within<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${BOUND_MS / 1000} s`)), BOUND_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('server: an experiment with 3,000 trials', function () {
  this.timeout(4 * BOUND_MS);
  let root: string;
  let server: TestServer | undefined;

  beforeEach(async () => {
    root = await tempWorkspace();
  });
  afterEach(async () => {
    await server?.dispose();
    server = undefined;
    await removeWorkspace(root);
  });

  it('answers the code lens (with a suggestion) and a hover on the last trial', async () => {
    const n = 3000;
    const file = path.join(root, 'large.hyperbo.yaml');
    const text = largeExperiment(n);
    await writeFile(file, text);
    server = await startTestServer(root, { logs: { pollInterval: 0 } });
    const uri = uriOf(file);
    await server.open(file, text);
    const lenses = await within('code lens', settledCodeLenses<{ command: { title: string; command: string } }>(server, uri));
    const next = lenses.find((l) => l.command.command === 'hyperbo.applySuggestion');
    assert.ok(next, `a suggestion lens among ${JSON.stringify(lenses.slice(0, 3))}`);
    assert.match(next.command.title, /^▶ next: learning_rate=\S+ momentum=\S+ {2}predicted \S+ ± \S+$/);
    assert.equal(lenses.filter((l) => /^✓ trial \d+: completed/.test(l.command.title)).length, n);
    // The generated loss is smallest at learning_rate 1e-2, momentum 0.8: the suggestion is near there.
    const lr = Number(/learning_rate=(\S+)/.exec(next.command.title)![1]);
    assert.ok(lr > 1e-3 && lr < 1e-1, next.command.title);

    const hover = (await within(
      'hover',
      server.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: LARGE_FIRST_TRIAL_LINE + n - 1, character: 8 } }),
    )) as { contents: { value: string } } | null;
    assert.ok(hover);
    assert.match(hover.contents.value, new RegExp(`Trial ${n}\\*\\* — posterior valid/loss`));
    assert.match(hover.contents.value, /conditioned on 3000 completed trials \(the GP uses a subset of 512 of them\)/);
  });

  it('an appended trial extends the kept posterior (counts from the worker): the hover after the edit is not a refactorisation', async () => {
    const n = 300; // above FROZEN_FIT_MIN: without a prior the single-task fit is kept too
    const file = path.join(root, 'large.hyperbo.yaml');
    const text = largeExperiment(n);
    await writeFile(file, text);
    server = await startTestServer(root, { logs: { pollInterval: 0 } });
    const uri = uriOf(file);
    await server.open(file, text);
    const hoverAt = (line: number) =>
      within('hover', server!.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 20 } })) as Promise<{ contents: { value: string } } | null>;
    assert.match((await hoverAt(LARGE_FIRST_TRIAL_LINE + n - 1))!.contents.value, /conditioned on 300 completed trials/);
    const service = server.handle.service()!;
    const readsBefore = service.trials.logReads;
    assert.ok(readsBefore >= n, `every trial's log was read once (${readsBefore})`);
    const appended = text + `  - { id: ${n + 1}, params: { learning_rate: 0.0123, momentum: 0.5 }, status: completed, value: 0.3 }\n`;
    await server.change(file, appended, 2);
    const after = await hoverAt(LARGE_FIRST_TRIAL_LINE + n);
    // The server (in this process) parsed the edit from the previous text: only the appended trial went through yaml.
    assert.ok(structureOf(appended).incremental, 'the appended trial was parsed alone');
    assert.ok(structureOf(appended).composedIncrementally, 'and composed alone');
    // The edit reads the new trial's log only (the others were read and no file event came): counted, once it settled.
    while (service.trials.logReads === readsBefore) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(service.trials.logReads - readsBefore, 1, 'the edit read one log, not every trial\'s');
    assert.match(after!.contents.value, new RegExp(`Trial ${n + 1}\\*\\* — posterior .*conditioned on 301 completed trials`, 's'));
    const counts = await server.handle.service()!.jobs.run({ kind: 'conditioningCounts', experiment: uri });
    assert.deepEqual([counts?.full, counts?.extended, counts?.fits, counts?.fitsKept], [1, 1, 1, 1], JSON.stringify(counts));
  });
});
