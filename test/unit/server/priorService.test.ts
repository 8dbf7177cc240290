// The server's priors without an LSP connection: plans read related experiments from the workspace index (an open
// editor's text wins over the disk), prior.from naming nothing is the user's error, and concurrent requests for one
// prior share one pre-training run in a real worker, whose result the cache then serves.
import * as assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobRunner } from '../../../src/server/jobs/jobRunner';
import { UserError } from '../../../src/server/service/errors';
import { parseExperimentFile } from '../../../src/server/service/experimentAdapter';
import { PriorService, type PriorEvents } from '../../../src/server/service/priorService';
import { DEFAULT_SETTINGS, type ServerSettings } from '../../../src/server/service/settings';
import { WorkspaceIndex } from '../../../src/server/service/workspaceIndex';
import { completedTrial, fileTrials, FIVE_TRIALS, HEAD, removeFolder, tempFolder } from './fixtures';

const RELATED = FIVE_TRIALS;
const trial = completedTrial;

describe('server PriorService (no connection)', function () {
  this.timeout(120_000);
  let root: string;
  let file: string;
  let related: string;
  let index: WorkspaceIndex;
  let jobs: JobRunner;
  let events: string[];
  const settings: ServerSettings = { ...DEFAULT_SETTINGS, pretrain: { ...DEFAULT_SETTINGS.pretrain, steps: 20 } };

  const service = (extra: PriorEvents = {}): PriorService =>
    new PriorService({
      root,
      index,
      trials: fileTrials,
      jobs,
      settings: async () => settings,
      events: {
        status: (state, message) => events.push(message ? `${state}: ${message}` : state),
        log: (message) => events.push(`log: ${message}`),
        trained: (key) => events.push(`trained ${key}`),
        ...extra,
      },
    });
  const experiment = (uri: string) => {
    const entry = index.get(uri);
    assert.ok(entry?.experiment, `${uri} parsed`);
    return { fsPath: entry.fsPath, view: entry.experiment };
  };

  beforeEach(async () => {
    root = await tempFolder('priors');
    file = path.join(root, 'quad.hyperbo.yaml');
    related = path.join(root, 'earlier', 'related.hyperbo.yaml');
    await mkdir(path.dirname(related));
    await writeFile(related, 'name: earlier-run\n' + HEAD + 'trials:\n' + RELATED.join('\n') + '\n');
    await writeFile(file, 'name: quad\n' + HEAD + 'prior:\n  from: [earlier/*.hyperbo.yaml]\n  objective: nll\ntrials: []\n');
    index = new WorkspaceIndex([root], parseExperimentFile);
    await index.scan();
    jobs = new JobRunner();
    events = [];
  });
  afterEach(async () => {
    await jobs.dispose();
    await removeFolder(root);
  });

  it('plans nothing without prior.from, and refuses a prior.from that names nothing usable', async () => {
    await writeFile(file, 'name: quad\n' + HEAD + 'trials: []\n');
    const uri = pathToFileURL(file).toString();
    await index.reloadFromDisk(uri);
    const { fsPath, view } = experiment(uri);
    assert.equal(await service().plan(fsPath, view), undefined);
    await writeFile(file, 'name: quad\n' + HEAD + 'prior:\n  from: [nowhere/*.hyperbo.yaml]\ntrials: []\n');
    await index.reloadFromDisk(uri);
    const broken = experiment(uri);
    await assert.rejects(service().plan(broken.fsPath, broken.view), (e: Error) => e instanceof UserError && /nowhere/.test(e.message));
  });

  it('reads a related experiment from the index: an open editor\'s unsaved trials count, a broken file is left out with why', async () => {
    const priors = service();
    const { fsPath, view } = experiment(pathToFileURL(file).toString());
    const onDisk = await priors.plan(fsPath, view);
    assert.deepEqual(onDisk?.input.related.map((r) => [r.name, r.trials.length]), [['earlier-run', 5]]);
    // The related file is open with a sixth trial not yet saved: the plan (and its cache key) follow the editor.
    index.setDocument(pathToFileURL(related).toString(), 'name: earlier-run\n' + HEAD + 'trials:\n' + [...RELATED, trial(6, 0.05, 0.45)].join('\n') + '\n', 2);
    const edited = await priors.plan(fsPath, view);
    assert.deepEqual(edited?.input.related.map((r) => [r.name, r.trials.length]), [['earlier-run', 6]]);
    assert.notEqual(edited?.key, onDisk?.key);
    // A related experiment with errors and no earlier valid state is unusable, and nothing else is left.
    const other = path.join(root, 'earlier', 'broken.hyperbo.yaml');
    await writeFile(other, 'objective: [not, a, mapping]\n');
    // As the file watcher reports it: prior.from is listed again.
    priors.filesChanged();
    const plan = await priors.plan(fsPath, view);
    assert.deepEqual(plan?.unusable, [{ file: other, reason: 'it has errors' }]);
  });

  it('concurrent requests share one pre-training run; the cache then serves the prior without training', async () => {
    const priors = service();
    const { fsPath, view } = experiment(pathToFileURL(file).toString());
    const plan = (await priors.plan(fsPath, view))!;
    assert.equal(await priors.cached(plan), undefined);
    // The first caller's cache read is the slower one: the second must still join its run, not start its own.
    const read = priors.cache.get.bind(priors.cache);
    let reads = 0;
    priors.cache.get = async (key) => (reads++ === 0 ? new Promise((resolve) => setTimeout(() => resolve(read(key)), 50)) : read(key));
    const waiting: string[] = [];
    const first = priors.ensure(plan);
    const second = priors.ensure(plan, { onProgress: (_f, message) => message && waiting.push(message) });
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.key, plan.key);
    assert.equal(b.key, plan.key);
    assert.deepEqual(waiting.slice(0, 1), ['Waiting for the pre-training already running']);
    assert.deepEqual(events, ['pretraining: Pre-training a prior on 1 source(s)', 'idle', `trained ${plan.key}`]);
    assert.ok(!priors.isTraining(plan));
    assert.deepEqual((await readdir(path.join(root, '.hyperbo', 'priors'))).sort(), [`${plan.key}.json`, `${plan.key}.sources.json`]);
    // A second service over the same folder (a restarted server) finds it in the cache and trains nothing.
    events.length = 0;
    const restarted = service();
    assert.equal((await restarted.ensure(plan)).key, plan.key);
    assert.deepEqual(events, []);
  });

  it('a background pre-training that fails is logged and shown as the status, not thrown', async () => {
    const priors = service();
    const { fsPath, view } = experiment(pathToFileURL(file).toString());
    const plan = (await priors.plan(fsPath, view))!;
    await jobs.dispose();
    priors.startTraining(plan, fsPath);
    while (priors.isTraining(plan)) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(events, [
      'pretraining: Pre-training a prior on 1 source(s)',
      'idle',
      'log: Pre-training for quad.hyperbo.yaml failed: The job runner has been shut down.',
      'error: The job runner has been shut down.',
    ]);
  });
});
