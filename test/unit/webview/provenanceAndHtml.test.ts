import assert from 'node:assert/strict';
import { contentSecurityPolicy, escapeHtml, isPanelState, panelHtml, panelTitle } from '../../../src/client/panels/html';
import { outputRuleText } from '../../../src/shared/outputRule';
import { provenanceView } from '../../../src/webview/model/provenance';
import { fixtureProvenance } from '../../webview-preview/fixtures';

describe('provenance view model', () => {
  it('lists the model, tasks by size with their share, hyperparameters and held-out fit', () => {
    const data = fixtureProvenance();
    const view = provenanceView(data);
    assert.equal(view.heading, 'Pre-trained prior');
    assert.ok(view.summary.some((r) => r.key === 'Pre-training objective' && r.value.startsWith('negative log-likelihood (NLL)')));
    assert.equal(view.tasks.length, data.tasks.length);
    assert.ok(view.tasks.every((t, i) => i === 0 || Number(view.tasks[i - 1].points) >= Number(t.points)));
    assert.ok(Math.abs(view.tasks.reduce((s, t) => s + t.share, 0) - 1) < 1e-12);
    assert.deepEqual(view.hyperparameters[0], { key: 'lengthscales', value: '0.412, 0.873, 2.31, 3.05' });
    assert.equal(view.heldOut?.length, 3);
  });

  it('lists each parameter\'s search space against the training data, marking where the prior extrapolates', () => {
    const data = fixtureProvenance();
    const view = provenanceView(data);
    assert.deepEqual(view.coverage!.rows[0], { name: 'learning_rate', space: '1e-5 to 10', measured: '1.1e-5 to 0.98', gap: true });
    assert.equal(view.coverage!.rows[1]!.gap, false);
    assert.deepEqual(view.coverage!.gaps, [data.coverage![0]!.gap]);
    const categorical = provenanceView({ ...data, coverage: [{ name: 'optimizer', categorical: true, space: ['adam', 'sgd', 'rmsprop'], measured: ['adam'], gap: 'never tried' }] });
    assert.deepEqual(categorical.coverage!.rows, [{ name: 'optimizer', space: 'adam, sgd, rmsprop', measured: 'adam', gap: true }]);
    // A prior made before coverage was kept, or a single-task model: no section.
    assert.equal(provenanceView({ ...data, coverage: undefined }).coverage, undefined);
  });

  it('says how many pairs of this experiment\'s trials each task orders alike, when it knows', () => {
    const data = fixtureProvenance();
    assert.equal(provenanceView({ ...data, tasks: data.tasks.map(({ agreement: _a, ...t }) => t) }).agreement, false, 'no column without it');
    const [first, second, ...rest] = data.tasks.map(({ agreement: _a, ...t }) => t);
    const view = provenanceView({ ...data, tasks: [{ ...first!, agreement: { pairs: 45, concordant: 36 } }, { ...second!, agreement: { pairs: 0, concordant: 0 } }, ...rest] });
    assert.equal(view.agreement, true);
    assert.equal(view.tasks.find((t) => t.name === first!.name)!.agreement, '80 % of 45 pairs');
    assert.equal(view.tasks.find((t) => t.name === second!.name)!.agreement, undefined, 'no pairs: nothing to say');
  });

  it('shows the transfer check: kept, or dropped as negative transfer', () => {
    const data = fixtureProvenance();
    const kept = provenanceView({ ...data, priorCheck: { points: 12, priorLogLik: -0.8, singleTaskLogLik: -0.9, verdict: 'kept' } });
    assert.match(kept.heldOut!.find((r) => r.key === 'Transfer check')!.value, /^prior predicts this task's 12 trials/);
    const dropped = provenanceView({ ...data, priorCheck: { points: 12, priorLogLik: -2.5, singleTaskLogLik: -0.9, verdict: 'dropped' } });
    assert.match(dropped.heldOut!.find((r) => r.key === 'Transfer check')!.value, /negative transfer/);
    assert.equal(provenanceView(data).heldOut!.some((r) => r.key === 'Transfer check'), false);
  });

  it('says in words what the model sees of the metric: warp, infeasible results, half-rank, normalisation', () => {
    const output = { goal: 'minimize', warp: 'log', tails: 'auto', normalization: 'standardize', values: 24, infeasible: 2, halfRank: true } as const;
    assert.equal(
      outputRuleText(output),
      '−log(value) · 2 of 24 completed results infeasible (absurdly bad: fitted as the worst feasible) · the worse half rank-warped onto a normal tail · standardised per task',
    );
    assert.equal(outputRuleText({ ...output, infeasible: 0, halfRank: false, values: 1, normalization: 'copula' }), '−log(value) · none of 1 completed result infeasible · Gaussian copula: normal scores of the ranks');
    assert.equal(outputRuleText({ ...output, goal: 'maximize', warp: 'log1m', tails: 'none', normalization: 'none' }), "−log(1 − value) · no tail handling · not normalised (the paper's PD1 rule)");
    assert.equal(outputRuleText({ ...output, warp: 'none', tails: 'none' }), '−value · no tail handling · standardised per task');
    assert.equal(outputRuleText({ ...output, values: 0, infeasible: 0, halfRank: false }), '−log(value) · absurd results will count as infeasible (none completed yet) · standardised per task');
    const view = provenanceView({ ...fixtureProvenance(), output });
    assert.deepEqual(view.summary.slice(3, 5).map((r) => r.key), ['Output rule', 'Pre-training objective']);
  });

  it('explains a single-task model with no related tasks', () => {
    const view = provenanceView({ uri: 'u', model: 'single-task', mean: 'constant', kernel: 'matern52', kernelOnFeatures: false, tasks: [], matchedGroups: 0, hyperparameters: {} });
    assert.equal(view.heading, 'Single-task model');
    assert.match(view.note ?? '', /prior:/);
    assert.equal(view.totalPoints, 0);
    assert.deepEqual(
      view.summary.map((r) => r.key),
      ['Model', 'Mean function', 'Kernel'],
      'no pre-training rows (objective, loss, matched groups) for a model that was not pre-trained',
    );
  });

  it("says when pre-training took each training task about its own level", () => {
    const row = (trainingLevel?: 'fixed' | 'estimated') =>
      provenanceView({ ...fixtureProvenance(), objective: 'nll', trainingLevel }).summary.find((r) => r.key === 'Pre-training objective')?.value;
    assert.equal(row('estimated'), 'negative log-likelihood (NLL), each training task about its own level');
    assert.equal(row('fixed'), 'negative log-likelihood (NLL)');
    assert.equal(row(), 'negative log-likelihood (NLL)');
  });

  it('names the mean and kernel in words', () => {
    const data = { ...fixtureProvenance(), mean: 'linear-mlp', kernel: 'matern52', kernelOnFeatures: true };
    const row = (key: string) => provenanceView(data).summary.find((r) => r.key === key)?.value;
    assert.equal(row('Mean function'), 'linear on learnt MLP features');
    assert.equal(row('Kernel'), 'Matérn 5/2 on learnt MLP features');
    // EKL's data: shown for an EKL prior, not for an NLL one, which did not use them.
    assert.equal(row('Matched groups'), undefined);
    const ekl = provenanceView({ ...data, objective: 'ekl' }).summary.find((r) => r.key === 'Matched groups')?.value;
    assert.equal(ekl, String(data.matchedGroups));
    assert.equal(provenanceView({ ...data, kernel: 'se', kernelOnFeatures: false }).summary.find((r) => r.key === 'Kernel')?.value, 'squared exponential');
    assert.equal(provenanceView({ ...data, kernel: 'future-kernel', kernelOnFeatures: false }).summary.find((r) => r.key === 'Kernel')?.value, 'future-kernel');
  });
});

describe('panel HTML shell', () => {
  const input = { kind: 'history' as const, title: 'Trial History — <a>.yaml', nonce: 'bm9uY2U=', cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/main.js', styleUris: ['https://x/a.css'] };

  it('denies by default and allows scripts only with the nonce', () => {
    const csp = contentSecurityPolicy(input.cspSource, input.nonce);
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-bm9uY2U='(;|$)/);
    assert.match(csp, /style-src https:\/\/x\.vscode-cdn\.net(;|$)/);
    assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
  });

  it('loads the one bundle by nonce, names the panel, and escapes the title', () => {
    const html = panelHtml(input);
    assert.match(html, /<script nonce="bm9uY2U=" src="https:\/\/x\/main.js"><\/script>/);
    assert.match(html, /<body data-panel="history">/);
    assert.match(html, /<title>Trial History — &lt;a&gt;.yaml<\/title>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.equal(escapeHtml(`"'&`), '&quot;&#39;&amp;');
  });

  it('titles panels by file name and validates restored state', () => {
    assert.equal(panelTitle('posterior', 'file:///w/my%20exp.hyperbo.yaml'), 'Posterior — my exp.hyperbo.yaml');
    assert.equal(isPanelState({ panel: 'posterior', uri: 'file:///a' }, 'posterior'), true);
    assert.equal(isPanelState({ panel: 'history', uri: 'file:///a' }, 'posterior'), false);
    assert.equal(isPanelState({ panel: 'posterior' }, 'posterior'), false);
    assert.equal(isPanelState(undefined, 'posterior'), false);
  });
});
