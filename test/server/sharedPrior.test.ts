// The editor (the server's HyperboService, in-process) and `hyperbo tune` (the real CLI as a child process) share
// one prior per experiment: the same cache key, the same .hyperbo/priors entry, whichever of them trains first.
import * as assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parsePrior } from '../../src/engine';
import { parseExperimentFile } from '../../src/server/service/experimentAdapter';
import { HyperboService } from '../../src/server/service/hyperboService';
import { runCli } from '../unit/cli/harness';
import { removeWorkspace, tempWorkspace, uriOf } from './harness';

const HEAD = `objective: { metric: score, goal: minimize }
search_space:
  lr:  { type: float, low: 1.0e-4, high: 1, scale: log }
  mom: { type: float, low: 0, high: 1 }
`;
const trial = (id: number, lr: number, mom: number) =>
  `  - { id: ${id}, params: { lr: ${lr}, mom: ${mom} }, status: completed, value: ${((Math.log10(lr) + 1.5) ** 2 + (mom - 0.4) ** 2).toPrecision(6)} }`;
const RELATED = [trial(1, 0.0001, 0.1), trial(2, 0.001, 0.9), trial(3, 0.01, 0.5), trial(4, 0.03, 0.3), trial(5, 0.3, 0.7)];

/** An HPOBench-style task over the same parameters (4 × 4 grid). */
function taskFile(name: string): string {
  const lrs = [1e-4, 1e-2, 1e-1, 1];
  const moms = [0, 0.3, 0.6, 1];
  const data: Record<string, number[]> = {};
  lrs.forEach((lr, i) => moms.forEach((m, j) => (data[`${i}${j}`] = [(Math.log10(lr) + 2.5) ** 2 + (m - 0.6) ** 2])));
  return JSON.stringify({ dataset: name, direction: 'minimize', params: [{ name: 'lr', type: 'float', choices: lrs }, { name: 'mom', type: 'float', choices: moms }], data });
}

describe('one prior for the editor and hyperbo tune', function () {
  this.timeout(120_000);
  let root: string;
  let file: string;
  let related: string;
  let service: HyperboService | undefined;
  const statuses: string[] = [];

  beforeEach(async () => {
    root = await tempWorkspace();
    file = path.join(root, 'tune', 'quad.hyperbo.yaml');
    related = path.join(root, 'tune', 'earlier', 'related.hyperbo.yaml');
    await mkdir(path.dirname(related), { recursive: true });
    await mkdir(path.join(root, 'data'));
    await writeFile(path.join(root, 'data', 'task-a.json'), taskFile('task-a'));
    await writeFile(related, 'name: earlier-run\n' + HEAD + 'trials:\n' + RELATED.join('\n') + '\n');
    await writeFile(file, 'name: quad\n' + HEAD + 'prior:\n  from: [earlier/*.hyperbo.yaml, ../data/*.json]\n  objective: nll\ntrials: []\n');
    statuses.length = 0;
    // The service as the language server creates it: the workspace folder as its root, default settings.
    service = new HyperboService({ roots: [root], parse: parseExperimentFile, events: { status: (s) => statuses.push(s) } });
    await service.index.scan();
  });
  afterEach(async () => {
    await service?.dispose();
    service = undefined;
    await removeWorkspace(root);
  });

  const cacheDir = () => path.join(root, '.hyperbo', 'priors');
  const cachedKeys = async () => (await readdir(cacheDir())).filter((f) => f.endsWith('.json') && !f.endsWith('.sources.json')).map((f) => f.slice(0, -5)).sort();
  // Run from the workspace folder, as a user in the terminal of the window would; no --workspace.
  const dryRun = () => runCli(['tune', path.join('tune', 'quad.hyperbo.yaml'), '--dry-run', '--trials', '1'], root);

  it('the editor finds the prior hyperbo tune --dry-run trained, under the key the CLI printed, without training again', async () => {
    const cli = dryRun();
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^Prior: pre-trained on 2 tasks \(21 points\) with NLL/m);
    const saved = /^Saved the prior to \.hyperbo\/priors\/([0-9a-f]{20})\.json\.$/m.exec(cli.stdout);
    assert.ok(saved, cli.stdout);
    const key = saved[1]!;
    assert.deepEqual(await cachedKeys(), [key]);
    const priorFile = path.join(cacheDir(), `${key}.json`);
    const mtime = (await stat(priorFile)).mtimeMs;

    const uri = uriOf(file);
    const provenance = await service!.queries.provenance(uri);
    assert.equal(provenance.model, 'pretrained', 'the editor uses the cached prior without being asked to pre-train');
    assert.equal(provenance.cacheKey, key);
    assert.deepEqual(provenance.tasks, [
      { name: 'earlier-run', source: path.join('tune', 'earlier', 'related.hyperbo.yaml'), points: 5 },
      { name: 'task-a', source: 'task-a.json', points: 16 },
    ]);
    const asked = await service!.queries.pretrain(uri);
    assert.equal(asked.cacheKey, key);
    assert.equal(asked.trainedAt, provenance.trainedAt);
    assert.ok(!statuses.includes('pretraining'), `no pre-training ran: ${statuses.join(', ')}`);
    assert.equal((await stat(priorFile)).mtimeMs, mtime, 'the cached prior was not rewritten');
    assert.deepEqual(await cachedKeys(), [key]);
    const suggestion = await service!.queries.suggest(uri);
    assert.equal(suggestion.model, 'pretrained');
  });

  it('hyperbo tune loads the prior the editor trained, and both follow the related experiment\'s new trials to a new key', async () => {
    const uri = uriOf(file);
    const trained = await service!.queries.pretrain(uri);
    assert.equal(trained.model, 'pretrained');
    assert.ok(statuses.includes('pretraining'));
    const key = trained.cacheKey!;
    const cli = dryRun();
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^Prior: cached prior \\.hyperbo/priors/${key}\\.json$`, 'm'));
    assert.doesNotMatch(cli.stdout, /Saved the prior/);
    const prior = parsePrior(await readFile(path.join(cacheDir(), `${key}.json`), 'utf8')).file;
    assert.deepEqual(prior.training.tasks.map((t) => t.name), ['earlier-run', 'task-a']);

    // A trial completes in the related experiment: the CLI trains the new prior, the editor then finds it.
    await writeFile(related, 'name: earlier-run\n' + HEAD + 'trials:\n' + [...RELATED, trial(6, 0.05, 0.45)].join('\n') + '\n');
    const again = dryRun();
    assert.equal(again.status, 0, again.stderr);
    const saved = /^Saved the prior to \.hyperbo\/priors\/([0-9a-f]{20})\.json\.$/m.exec(again.stdout);
    assert.ok(saved, again.stdout);
    assert.notEqual(saved[1], key);
    await service!.fileChanged(uriOf(related), 2);
    statuses.length = 0;
    const provenance = await service!.queries.provenance(uri);
    assert.equal(provenance.cacheKey, saved[1]);
    assert.equal(provenance.tasks[0]!.points, 6);
    assert.ok(!statuses.includes('pretraining'));
    assert.deepEqual(await cachedKeys(), [key, saved[1]!].sort());
  });
});
