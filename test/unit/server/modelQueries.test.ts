// The server's model queries without an LSP connection: suggestions (memoised per model input, described against
// the best trial), the lens's suggestion that never waits for a pre-training, the posterior for hovers and the
// panel, provenance, and the errors a user can fix. Real worker threads run the engine.
import * as assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobRunner } from '../../../src/server/jobs/jobRunner';
import { UserError } from '../../../src/server/service/errors';
import { parseExperimentFile } from '../../../src/server/service/experimentAdapter';
import { lensWaitMs, ModelQueries } from '../../../src/server/service/modelQueries';
import { PriorService } from '../../../src/server/service/priorService';
import { DEFAULT_SETTINGS, type ServerSettings } from '../../../src/server/service/settings';
import { WorkspaceIndex } from '../../../src/server/service/workspaceIndex';
import { applyTextEdits } from '../../../src/shared/textEdits';
import { fileTrials, FIVE_TRIALS, HEAD, removeFolder, tempFolder } from './fixtures';

describe('server ModelQueries (no connection)', function () {
  this.timeout(120_000);
  let root: string;
  let index: WorkspaceIndex;
  let jobs: JobRunner;
  let statuses: string[];
  let settings: ServerSettings;

  const queries = (): { queries: ModelQueries; priors: PriorService } => {
    const priors = new PriorService({ root, index, trials: fileTrials, jobs, settings: async () => settings });
    return { priors, queries: new ModelQueries({ index, trials: fileTrials, priors, jobs, settings: async () => settings, status: (s) => statuses.push(s) }) };
  };
  const experiment = async (name: string, text: string): Promise<string> => {
    const file = path.join(root, `${name}.hyperbo.yaml`);
    await writeFile(file, text);
    const uri = pathToFileURL(file).toString();
    await index.reloadFromDisk(uri);
    return uri;
  };

  beforeEach(async () => {
    root = await tempFolder('queries');
    index = new WorkspaceIndex([root], parseExperimentFile);
    jobs = new JobRunner();
    statuses = [];
    settings = { ...DEFAULT_SETTINGS, pretrain: { ...DEFAULT_SETTINGS.pretrain, steps: 20 } };
  });
  afterEach(async () => {
    await jobs.dispose();
    await removeFolder(root);
  });

  it('suggests within the space, relative to the best trial, and answers the same question from memory', async () => {
    const uri = await experiment('bowl', 'name: bowl\n' + HEAD + 'trials:\n' + FIVE_TRIALS.join('\n') + '\n');
    const { queries: q } = queries();
    const result = await q.suggest(uri, 2);
    assert.equal(result.experiment, 'bowl');
    assert.equal(result.model, 'single-task');
    assert.equal(result.acquisition, 'expected improvement', 'auto without a prior');
    assert.deepEqual(result.best, { trialId: 4, value: 0.0105234, params: { lr: 0.03, mom: 0.3 } });
    assert.equal(result.suggestions.length, 2);
    for (const s of result.suggestions) {
      const lr = s.params.lr as number;
      const mom = s.params.mom as number;
      assert.ok(lr >= 1e-4 && lr <= 1 && mom >= 0 && mom <= 1, JSON.stringify(s.params));
      assert.ok(Number.isFinite(s.predictedMean) && s.predictedSd > 0);
      // Δ from best is measured in the unit cube: lr on its log scale.
      const expected = (Math.log10(lr) - Math.log10(0.03)) / 4;
      assert.ok(Math.abs(s.deltaFromBest!.lr! - expected) < 1e-9, `${s.deltaFromBest!.lr} vs ${expected}`);
      assert.ok(Math.abs(s.deltaFromBest!.mom! - (mom - 0.3)) < 1e-9);
    }
    assert.deepEqual(statuses, ['suggesting', 'idle']);
    assert.deepEqual(await q.suggest(uri, 2), result);
    assert.deepEqual(statuses, ['suggesting', 'idle'], 'the second identical request computed nothing');
    await q.suggest(uri, 1);
    assert.deepEqual(statuses, ['suggesting', 'idle', 'suggesting', 'idle'], 'another count is another question');
  });

  it('without trials the first suggestions are the space-filling design, with no best to compare with', async () => {
    const uri = await experiment('empty', 'name: empty\n' + HEAD + 'acquisition: { type: ei }\ntrials: []\n');
    const result = await queries().queries.suggest(uri);
    assert.equal(result.acquisition, 'expected improvement');
    assert.equal(result.best, undefined);
    assert.equal(result.suggestions[0]!.initialDesign, true);
    assert.equal(result.suggestions[0]!.deltaFromBest, undefined);
  });

  it('a lens waits for a suggestion only when the last one came within the wait', () => {
    assert.equal(lensWaitMs(200, undefined), 200, 'nothing computed yet: wait');
    assert.equal(lensWaitMs(200, 120), 200);
    assert.equal(lensWaitMs(200, 900), 0, 'the last one took longer: answer at once with the placeholder');
    assert.equal(lensWaitMs(200, undefined, 150), 50, "the request's own work counts against the wait");
    assert.equal(lensWaitMs(200, 120, 260), 0);
    assert.equal(lensWaitMs(Infinity, undefined, 500), Infinity, 'waiting for the suggestion whatever it takes');
  });

  it('the lens never waits for a pre-training: "no-prior-yet" with auto off, else "training" while it runs, then the pretrained model', async () => {
    await mkdir(path.join(root, 'earlier'));
    await writeFile(path.join(root, 'earlier', 'related.hyperbo.yaml'), 'name: earlier\n' + HEAD + 'trials:\n' + FIVE_TRIALS.join('\n') + '\n');
    const uri = await experiment('quad', 'name: quad\n' + HEAD + 'prior:\n  from: [earlier/*.hyperbo.yaml]\n  objective: nll\ntrials: []\n');
    settings = { ...settings, pretrain: { ...settings.pretrain, auto: false } };
    const { queries: q, priors } = queries();
    assert.equal(await q.peekSuggestion(uri), 'no-prior-yet');
    assert.equal((await q.provenance(uri)).model, 'single-task', 'no prior is trained by asking what the model is');
    settings = { ...settings, pretrain: { ...settings.pretrain, auto: true } };
    assert.equal(await q.peekSuggestion(uri), 'training');
    const entry = index.experiment(uri);
    const plan = (await priors.plan(entry.fsPath, entry.experiment))!;
    assert.ok(priors.isTraining(plan), 'the lens started the pre-training in the background');
    const trained = await priors.ensure(plan);
    const next = await q.peekSuggestion(uri);
    assert.ok(typeof next === 'object' && next.model === 'pretrained', JSON.stringify(next));
    const provenance = await q.provenance(uri);
    assert.equal(provenance.model, 'pretrained');
    assert.equal(provenance.cacheKey, trained.key);
    assert.deepEqual(provenance.tasks, [{ name: 'earlier', source: path.join('earlier', 'related.hyperbo.yaml'), points: 5 }]);
    // The prior's output rule, fitted on this experiment's (no) completed trials.
    assert.deepEqual(provenance.output, { goal: 'minimize', warp: 'log', tails: 'auto', normalization: 'standardize', values: 0, infeasible: 0, halfRank: false });
  });

  it('where the space reaches past the prior\'s training data: an information diagnostic on the parameter, rows in the provenance', async () => {
    await mkdir(path.join(root, 'earlier'));
    // The related trials measured lr from 1e-4 to 0.3 of [1e-4, 1], mom from 0.1 to 0.9 of [0, 1].
    await writeFile(path.join(root, 'earlier', 'related.hyperbo.yaml'), 'name: earlier\n' + HEAD + 'trials:\n' + FIVE_TRIALS.join('\n') + '\n');
    const text = 'name: quad\n' + HEAD + 'prior:\n  from: [earlier/*.hyperbo.yaml]\n  objective: nll\ntrials: []\n';
    const uri = await experiment('quad', text);
    const changed: string[] = [];
    const priors = new PriorService({ root, index, trials: fileTrials, jobs, settings: async () => settings, events: { coverageChanged: (u) => changed.push(u) } });
    const q = new ModelQueries({ index, trials: fileTrials, priors, jobs, settings: async () => settings });
    const coverageOf = (u: string) => {
      const entry = index.experiment(u);
      return priors.diagnostics(u, entry.text, entry.experiment).filter((d) => d.code === 'prior-coverage');
    };
    assert.deepEqual(coverageOf(uri), [], 'nothing before a prior is trained');
    const entry = index.experiment(uri);
    await priors.ensure((await priors.plan(entry.fsPath, entry.experiment))!);
    await q.peekSuggestion(uri);
    assert.deepEqual(changed, [uri], 'the model now uses a prior: its diagnostics are published again');
    const [lr, ...rest] = coverageOf(uri);
    assert.equal(rest.length, 0, 'mom is measured to within a tenth of its range at both ends');
    assert.equal(lr!.severity, 3);
    assert.deepEqual(lr!.range, { start: { line: 3, character: 2 }, end: { line: 3, character: 4 } }, 'on the name lr in search_space');
    assert.match(String(lr!.message), /^No training task of the prior measured lr above 0\.3 \(the search space: 1e-4 to 1\): the prior extrapolates there\./);
    const provenance = await q.provenance(uri);
    assert.deepEqual(provenance.coverage!.map((c) => [c.name, c.space, c.measured, c.gap !== undefined]), [
      ['lr', [1e-4, 1], [provenance.coverage![0]!.measured[0], provenance.coverage![0]!.measured[1]], true],
      ['mom', [0, 1], [provenance.coverage![1]!.measured[0], provenance.coverage![1]!.measured[1]], false],
    ]);
    assert.ok(Math.abs((provenance.coverage![0]!.measured[1] as number) - 0.3) < 1e-12);
    // The quick fix narrows lr to what the data measured, rounded outward; applied, it is a space the data cover.
    const fixes = priors.coverageFixes(uri, text, index.experiment(uri).experiment);
    assert.deepEqual(fixes.map((f) => [f.title, f.range]), [["Narrow lr to what the prior's data measured (1e-4 to 0.3)", lr!.range]]);
    const fixed = applyTextEdits(text, fixes[0]!.edits);
    assert.equal(fixed, text.replace('high: 1, scale: log', 'high: 0.3, scale: log'));
    // Narrowing lr is another space (another prior): the old gap is not shown on it.
    const narrowed = await experiment('quad', fixed);
    assert.deepEqual(coverageOf(narrowed), []);
    await q.peekSuggestion(narrowed);
    assert.deepEqual(changed, [uri, uri], 'no prior trained for it yet: the old one is forgotten');
  });

  it('provenance says how many pairs of the experiment\'s trials each training task orders alike', async () => {
    await mkdir(path.join(root, 'earlier'));
    await writeFile(path.join(root, 'earlier', 'related.hyperbo.yaml'), 'name: earlier\n' + HEAD + 'trials:\n' + FIVE_TRIALS.join('\n') + '\n');
    // This experiment measured the same five configurations with the same values: every pair is ordered alike.
    const uri = await experiment('quad', 'name: quad\n' + HEAD + 'prior:\n  from: [earlier/*.hyperbo.yaml]\n  objective: nll\ntrials:\n' + FIVE_TRIALS.join('\n') + '\n');
    const { queries: q, priors } = queries();
    const entry = index.experiment(uri);
    await priors.ensure((await priors.plan(entry.fsPath, entry.experiment))!);
    const provenance = await q.provenance(uri);
    assert.deepEqual(provenance.tasks, [{ name: 'earlier', source: path.join('earlier', 'related.hyperbo.yaml'), points: 5, agreement: { pairs: 10, concordant: 10 } }]);
  });

  it('posterior slices pass through the best trial (or the suggestion when nothing completed); the hover counts the observations', async () => {
    const uri = await experiment('bowl', 'name: bowl\n' + HEAD + 'trials:\n' + FIVE_TRIALS.join('\n') + '\n');
    const q = queries().queries;
    const posterior = await q.posterior(uri, { resolution: 1000, pair: ['lr', 'mom'] });
    assert.equal(posterior.anchorKind, 'best');
    assert.deepEqual(posterior.anchor, { lr: 0.03, mom: 0.3 });
    assert.deepEqual(posterior.slices.map((s) => [s.param, s.xs.length]), [['lr', 200], ['mom', 200]], 'the resolution is capped at 200');
    assert.equal(posterior.contour?.x, 'lr');
    // The ±2 sd band comes through the output warp (log: values ≥ 0), so it never leaves the metric's domain.
    for (const s of posterior.slices) {
      s.lower!.forEach((low, i) => assert.ok(low >= -1e-9 && low <= s.mean[i]! && s.mean[i]! <= s.upper![i]!, `${s.param}[${i}]: ${low} ≤ ${s.mean[i]} ≤ ${s.upper![i]}`));
    }
    assert.deepEqual(posterior.observations.map((o) => o.trialId), [1, 2, 3, 4, 5]);
    const suggested = await q.posterior(uri, { anchor: 'suggested', resolution: 1 });
    assert.equal(suggested.anchorKind, 'suggested');
    assert.deepEqual(suggested.anchor, (await q.suggest(uri, 1)).suggestions[0]!.params);
    assert.equal(suggested.slices[0]!.xs.length, 5, 'the resolution is at least 5');
    const at = await q.predictAt(uri, { lr: 0.03, mom: 0.3 });
    assert.equal(at.observations, 5);
    assert.equal(at.pretrained, false);
    assert.ok(Math.abs(at.mean - 0.0105234) < 0.1, `the posterior mean at an observed point is near its value: ${at.mean}`);
  });

  it('an unknown file, or one with errors and no earlier valid state, is the user\'s to fix', async () => {
    const q = queries().queries;
    await assert.rejects(q.suggest(pathToFileURL(path.join(root, 'none.hyperbo.yaml')).toString()), (e: Error) => e instanceof UserError && /No experiment file/.test(e.message));
    const broken = await experiment('broken', HEAD + 'objective: 3\n');
    await assert.rejects(q.posterior(broken, {}), (e: Error) => e instanceof UserError && /^broken\.hyperbo\.yaml has errors and no earlier valid state \(line \d+: /.test(e.message));
  });
});
