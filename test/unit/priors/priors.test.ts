// The shared prior pipeline (src/priors): prior.from resolution, the cache key, related experiments from disk, the
// workspace folder the CLI picks, the cache itself and pre-training from related trials.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fitOutputTransform, isInfeasible, parsePrior } from '../../../src/engine';
import { parseExperiment, type Experiment } from '../../../src/formats/experiment';
import {
  DEFAULT_PRETRAIN_SETTINGS,
  findWorkspaceRoot,
  implausiblePrior,
  planPrior,
  PriorCache,
  PriorSourceError,
  readRelatedExperiment,
  resolvePriorSources,
  runPretrain,
  type RelatedReader,
} from '../../../src/priors';
import { DEFAULT_SETTINGS } from '../../../src/server/service/settings';

const SPACE_YAML = `objective: { metric: score, goal: minimize }
search_space:
  lr:  { type: float, low: 1.0e-4, high: 1, scale: log }
  mom: { type: float, low: 0, high: 1 }
`;
const completed = (id: number, lr: number, mom: number) =>
  `  - { id: ${id}, params: { lr: ${lr}, mom: ${mom} }, status: completed, value: ${(Math.log10(lr) + 2) ** 2 + mom} }`;

/** The experiment model (as the parser makes it) of x.hyperbo.yaml with this prior.from and seed. */
const experiment = (from: string[], seed = 0): Experiment => {
  const prior = from.length ? `prior: { from: ${JSON.stringify(from)} }\n` : '';
  const parsed = parseExperiment(`name: x\nseed: ${seed}\n${SPACE_YAML}${prior}`);
  assert.ok(parsed.experiment, JSON.stringify(parsed.diagnostics));
  return parsed.experiment;
};

describe('priors (the pipeline the server and the CLI share)', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'hyperbo-priors-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** root/exp/x.hyperbo.yaml naming root/exp/other.hyperbo.yaml and root/data/a.jsonl. */
  function layout() {
    const file = path.join(root, 'exp', 'x.hyperbo.yaml');
    const other = path.join(root, 'exp', 'other.hyperbo.yaml');
    const data = path.join(root, 'data', 'a.jsonl');
    mkdirSync(path.dirname(file), { recursive: true });
    mkdirSync(path.dirname(data), { recursive: true });
    writeFileSync(file, 'name: x\n' + SPACE_YAML);
    writeFileSync(other, 'name: other-run\n' + SPACE_YAML + 'trials:\n' + [completed(1, 0.01, 0.5), completed(2, 0.1, 0.2)].join('\n') + '\n');
    writeFileSync(data, '{"dataset":"d"}\n');
    return { file, other, data };
  }
  const fromDisk: RelatedReader = readRelatedExperiment;
  const plan = (file: string, exp: Experiment, options: Partial<Parameters<typeof planPrior>[2]> = {}) =>
    planPrior(file, exp, { root, ...DEFAULT_PRETRAIN_SETTINGS, readRelated: fromDisk, ...options });

  it('the editor\'s default pre-training settings are the pipeline\'s', () => {
    assert.equal(DEFAULT_SETTINGS.pretrain.steps, DEFAULT_PRETRAIN_SETTINGS.steps);
    assert.equal(DEFAULT_SETTINGS.pretrain.optimizer, DEFAULT_PRETRAIN_SETTINGS.optimizer);
  });

  it('resolves prior.from next to the file: experiments and data files apart, the file itself and ignored folders left out', async () => {
    const { file, other, data } = layout();
    for (const dir of ['node_modules/pkg', '.hyperbo/priors', '.git']) {
      mkdirSync(path.join(root, 'exp', dir), { recursive: true });
      writeFileSync(path.join(root, 'exp', dir, 'hidden.hyperbo.yaml'), 'x');
    }
    writeFileSync(path.join(root, 'exp', 'notes.txt'), 'x');
    const sources = await resolvePriorSources(file, ['**/*', '../data/*.jsonl', 'other.hyperbo.yaml'], { roots: [root] });
    assert.deepEqual(sources.experimentFiles, [other]);
    assert.deepEqual(sources.dataFiles, [data]);
    assert.deepEqual(sources.matched, [data, path.join(root, 'exp', 'notes.txt'), other, file].sort());
  });

  it('plans the pre-training: related trials and data files, sources relative to the root, and a key recorded in the input', async () => {
    const { file, data } = layout();
    const p = await plan(file, experiment(['other.hyperbo.yaml', '../data/*.jsonl']));
    assert.ok(p);
    assert.match(p.key, /^[0-9a-f]{20}$/);
    assert.equal(p.input.dataHash, p.key);
    assert.deepEqual(p.input.files, [data]);
    assert.deepEqual(p.input.sources, [path.join('exp', 'other.hyperbo.yaml'), path.join('data', 'a.jsonl')]);
    assert.deepEqual(p.input.related, [
      { name: 'other-run', source: path.join('exp', 'other.hyperbo.yaml'), trials: [{ params: { lr: 0.01, mom: 0.5 }, value: 0.5 }, { params: { lr: 0.1, mom: 0.2 }, value: 1.2 }] },
    ]);
    assert.equal(p.input.steps, DEFAULT_PRETRAIN_SETTINGS.steps);
    assert.equal(await plan(file, experiment([])), undefined, 'no prior.from: no prior');
  });

  it('the key depends on what the prior learns from and how, not on where the workspace sits', async () => {
    const { file, other, data } = layout();
    const exp = experiment(['other.hyperbo.yaml', '../data/*.jsonl']);
    const key = (await plan(file, exp))!.key;
    assert.equal((await plan(file, exp))!.key, key, 'stable');
    const moved = mkdtempSync(path.join(tmpdir(), 'hyperbo-priors-moved-'));
    try {
      cpSync(root, moved, { recursive: true });
      const elsewhere = await planPrior(path.join(moved, 'exp', 'x.hyperbo.yaml'), exp, { root: moved, ...DEFAULT_PRETRAIN_SETTINGS, readRelated: fromDisk });
      assert.equal(elsewhere!.key, key, 'the same workspace at another path');
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
    const changed = new Set<string>();
    changed.add((await plan(file, exp, { steps: 10 }))!.key);
    changed.add((await plan(file, exp, { optimizer: 'adam' }))!.key);
    changed.add((await plan(file, experiment(exp.prior!.from, 7)))!.key);
    changed.add((await plan(file, { ...exp, prior: { ...exp.prior!, kernel: 'se' } }))!.key);
    changed.add((await plan(file, exp, { root: path.join(root, 'exp') }))!.key);
    await writeFile(data, '{"dataset":"e"}\n');
    changed.add((await plan(file, exp))!.key);
    await writeFile(other, 'name: other-run\n' + SPACE_YAML + 'trials:\n' + completed(1, 0.01, 0.5) + '\n');
    changed.add((await plan(file, exp))!.key);
    assert.equal(changed.size, 7, 'every change gives a new key');
    assert.ok(!changed.has(key));
  });

  it('prior.from that names nothing usable: a PriorSourceError saying what matched and why it cannot be used', async () => {
    const { file } = layout();
    await assert.rejects(plan(file, experiment(['nowhere/*.jsonl'])), (e: Error) => e instanceof PriorSourceError && /prior\.from matches no file \(nowhere\/\*\.jsonl\) next to x\.hyperbo\.yaml/.test(e.message));
    writeFileSync(path.join(root, 'exp', 'broken.hyperbo.yaml'), 'name: [\n');
    writeFileSync(path.join(root, 'exp', 'table.txt'), 'a,b\n');
    await assert.rejects(
      plan(file, experiment(['broken.hyperbo.yaml', 'table.txt', 'x.hyperbo.yaml'])),
      (e: Error) =>
        e instanceof PriorSourceError &&
        /matches no usable experiment or data file next to x\.hyperbo\.yaml: broken\.hyperbo\.yaml: it has errors \(line \d+: .*\); table\.txt: neither an experiment .*; x\.hyperbo\.yaml itself is never its own prior\./.test(e.message),
    );
    // An unusable related file next to a usable one is left out and reported.
    const p = await plan(file, experiment(['*.hyperbo.yaml']));
    assert.deepEqual(p!.input.related.map((r) => r.name), ['other-run']);
    assert.deepEqual(p!.unusable.map((u) => path.basename(u.file)), ['broken.hyperbo.yaml']);
  });

  it('reads a related experiment from disk: only completed trials with a finite value', async () => {
    const file = path.join(root, 'r.hyperbo.yaml');
    writeFileSync(
      file,
      SPACE_YAML +
        'trials:\n' +
        [
          completed(1, 0.01, 0.5),
          '  - { id: 2, params: { lr: 0.1, mom: 0.2 }, status: failed, reason: oom }',
          '  - { id: 3, params: { lr: 0.2, mom: 0.2 }, status: running }',
          '  - { id: 4, params: { lr: 0.3, mom: 0.2 }, status: diverged }',
          '  - { id: 5, params: { lr: 0.4, mom: 0.2 }, status: pending }',
          completed(6, 0.001, 0.9),
        ].join('\n') +
        '\n',
    );
    const read = await readRelatedExperiment(file);
    assert.ok('name' in read, JSON.stringify(read));
    assert.equal(read.name, 'r', 'named after the file when it has no name');
    assert.deepEqual(read.trials.map((t) => t.params.lr), [0.01, 0.001]);
    const missing = await readRelatedExperiment(path.join(root, 'gone.hyperbo.yaml'));
    assert.ok('unusable' in missing && /cannot read it/.test(missing.unusable));
  });

  it('picks the workspace folder for the CLI: .vscode or .git above the file, then an existing cache, then the current folder, then the file\'s', () => {
    const file = path.join(root, 'proj', 'tune', 'deep', 'x.hyperbo.yaml');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'hyperbo-cwd-'));
    try {
      assert.equal(findWorkspaceRoot(file, elsewhere), path.dirname(file), 'outside cwd, no markers: the file\'s folder');
      assert.equal(findWorkspaceRoot(file, root), root, 'cwd holding the file');
      mkdirSync(path.join(root, 'proj', 'tune', '.hyperbo', 'priors'), { recursive: true });
      assert.equal(findWorkspaceRoot(file, root), path.join(root, 'proj', 'tune'), 'an existing prior cache');
      mkdirSync(path.join(root, 'proj', '.git'));
      assert.equal(findWorkspaceRoot(file, root), path.join(root, 'proj'), 'the git project');
      mkdirSync(path.join(root, 'proj', 'tune', '.vscode'));
      assert.equal(findWorkspaceRoot(file, root), path.join(root, 'proj', 'tune'), 'the nearest marker wins');
      // The home folder's ~/.vscode (VS Code's extensions) never makes home the workspace.
      const home = process.env.HOME;
      process.env.HOME = path.join(root, 'proj', 'tune');
      try {
        assert.equal(findWorkspaceRoot(file, elsewhere), path.join(root, 'proj'));
      } finally {
        process.env.HOME = home;
      }
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('pre-trains from related trials and caches the prior with its sidecar; an unreadable entry is a miss', async () => {
    const { file, other } = layout();
    const lines = [];
    for (let i = 0; i < 8; i++) lines.push(completed(i + 1, 10 ** (-4 + (4 * (i + 0.5)) / 8), ((i * 3) % 8) / 8));
    writeFileSync(other, 'name: other-run\n' + SPACE_YAML + 'trials:\n' + lines.join('\n') + '\n');
    const p = (await plan(file, { ...experiment(['other.hyperbo.yaml']), prior: { from: ['other.hyperbo.yaml'], objective: 'nll', exclude: [], mean: 'linear' } }, { steps: 20 }))!;
    const out = await runPretrain(p.input);
    assert.deepEqual(out.taskSources, { 'other-run': path.join('exp', 'other.hyperbo.yaml') });
    assert.equal(out.prior.spec.mean, 'linear');
    assert.equal(out.prior.training.dataHash, p.key);
    const cache = new PriorCache(root);
    assert.equal(await cache.get(p.key), undefined);
    const stored = await cache.put(p.key, out.prior, { taskSources: out.taskSources, skipped: out.skipped });
    assert.equal(stored.file, path.join(root, '.hyperbo', 'priors', `${p.key}.json`));
    const loaded = await cache.get(p.key);
    assert.deepEqual(loaded!.sidecar, { key: p.key, taskSources: out.taskSources, skipped: [] });
    assert.deepEqual(Array.from(loaded!.loaded.theta), Array.from(parsePrior(JSON.stringify(out.prior)).theta));
    writeFileSync(stored.file, '{"format": "hyperbo-prior", "theta": [');
    assert.equal(await cache.get(p.key), undefined, 'a torn file is trained again, not trusted');
  });

  it('objective.normalize: copula reaches pre-training: a new key, and a prior whose rule is the copula with the tasks\' reference', async () => {
    const { file, other } = layout();
    const lines = [];
    for (let i = 0; i < 8; i++) lines.push(completed(i + 1, 10 ** (-4 + (4 * (i + 0.5)) / 8), ((i * 3) % 8) / 8));
    writeFileSync(other, 'name: other-run\n' + SPACE_YAML + 'trials:\n' + lines.join('\n') + '\n');
    const exp = experiment(['other.hyperbo.yaml']);
    const copula: Experiment = { ...exp, objective: { ...exp.objective, output: { normalization: 'copula' } } };
    const auto = (await plan(file, exp, { steps: 10 }))!;
    const p = (await plan(file, copula, { steps: 10 }))!;
    assert.notEqual(p.key, auto.key, 'the setting is part of the key');
    const out = await runPretrain(p.input);
    assert.equal(out.prior.output.normalization, 'copula');
    assert.equal((await runPretrain(auto.input)).prior.output.normalization, 'standardize');
    // The reference is the training task's robust centre and scale (median and IQR of −log value), not the copula's 0 and 1.
    const warped = lines.map((_, i) => -Math.log((Math.log10(10 ** (-4 + (4 * (i + 0.5)) / 8)) + 2) ** 2 + ((i * 3) % 8) / 8 + 1e-10)).sort((a, b) => a - b);
    const reference = out.prior.output.reference!;
    assert.ok(Math.abs(reference.center - (warped[3]! + warped[4]!) / 2) < 1e-9, JSON.stringify(reference));
    assert.ok(Math.abs(reference.scale - (warped[5]! + 0.25 * (warped[6]! - warped[5]!) - warped[1]! - 0.75 * (warped[2]! - warped[1]!)) / 1.349) < 1e-9);
    assert.equal(parsePrior(JSON.stringify(out.prior)).output.normalization, 'copula', 'the prior file keeps it');
    // The tails rule too: a study under this prior treats an absurd loss as pre-training did, as infeasible.
    const rule = parsePrior(JSON.stringify(out.prior)).output;
    assert.equal(rule.tails, 'auto');
    const study = fitOutputTransform([0.5, 0.6, 0.7, 0.8, 0.9, 1e300], { ...rule, normalization: 'standardize' });
    assert.ok(isInfeasible(study, 1e300) && !isInfeasible(study, 0.9));
  });

  it('a cached prior with parameters at ±1e300 parses but is dropped and trained again (issue 10 item 7)', async () => {
    const { file, other } = layout();
    const lines = [];
    for (let i = 0; i < 8; i++) lines.push(completed(i + 1, 10 ** (-4 + (4 * (i + 0.5)) / 8), ((i * 3) % 8) / 8));
    writeFileSync(other, 'name: other-run\n' + SPACE_YAML + 'trials:\n' + lines.join('\n') + '\n');
    const p = (await plan(file, { ...experiment(['other.hyperbo.yaml']), prior: { from: ['other.hyperbo.yaml'], objective: 'nll', exclude: [], mean: 'linear' } }, { steps: 20 }))!;
    const out = await runPretrain(p.input);
    const cache = new PriorCache(root);
    const stored = await cache.put(p.key, out.prior, { taskSources: out.taskSources, skipped: out.skipped });
    assert.equal(implausiblePrior(stored.loaded), undefined, 'a trained prior is plausible');
    const sidecar = stored.file.replace(/\.json$/, '.sources.json');
    for (const big of [1e300, -1e300]) {
      const bad = { ...out.prior, theta: out.prior.theta.map((_, i) => (i % 2 ? big : -big)) };
      writeFileSync(stored.file, JSON.stringify(bad));
      assert.ok(parsePrior(JSON.stringify(bad)), 'the format check alone accepts it');
      assert.match(implausiblePrior(parsePrior(JSON.stringify(bad)))!, /beyond/);
      assert.equal(await cache.get(p.key), undefined, 'not trusted');
      assert.equal(existsSync(stored.file), false, 'the entry is dropped');
      assert.equal(existsSync(sidecar), false);
      // The next request trains again and the new entry is served.
      const again = await runPretrain(p.input);
      await cache.put(p.key, again.prior, { taskSources: again.taskSources, skipped: again.skipped });
      assert.ok(await cache.get(p.key));
    }
  });
});
