import assert from 'node:assert/strict';
import type { SuggestResult } from '../../../src/shared/dto';
import { suggestionsView } from '../../../src/webview/model/suggestions';
import { fixtureSuggestions } from '../../webview-preview/fixtures';

describe('suggestions view model', () => {
  it('shows predicted mean ± sd, acquisition and a row per parameter', () => {
    const data = fixtureSuggestions();
    const view = suggestionsView(data);
    assert.equal(view.cards.length, 3);
    assert.equal(view.cards[0].title, 'Suggestion 1');
    assert.match(view.cards[0].predicted, /^0\.03\d+ ± 0\.00\d+$/);
    assert.deepEqual(view.cards[0].rows.map((r) => r.name), Object.keys(data.suggestions[0].params));
    assert.match(view.best ?? '', /^Best so far: trial \d+ with valid\/error_rate = 0\.03/);
    assert.match(view.modelNote, /Pre-trained HyperBO prior/);
  });

  it('turns unit-cube deltas into signed text and a clamped bar', () => {
    const data: SuggestResult = {
      uri: 'file:///x.hyperbo.yaml', experiment: 'x', goal: 'maximize', metric: 'accuracy', model: 'single-task', acquisition: 'ei',
      best: { trialId: 3, value: 0.9, params: { lr: 0.1, width: 64, act: 'relu' } },
      suggestions: [{ params: { lr: 0.2, width: 64, act: 'tanh' }, predictedMean: 0.91, predictedSd: 0.01, acquisition: 0.02, deltaFromBest: { lr: 0.8, width: 0.001 } }],
    };
    const [card] = suggestionsView(data).cards;
    assert.equal(card.title, 'Next configuration');
    assert.equal(card.note, undefined, 'an acquisition pick needs no note');
    const [designed] = suggestionsView({ ...data, suggestions: [{ ...data.suggestions[0]!, initialDesign: true }] }).cards;
    assert.match(designed!.note ?? '', /^Space-filling start/);
    const [lr, width, act] = card.rows;
    assert.deepEqual([lr.deltaText, lr.deltaPercent, lr.delta], ['+0.80', 100, 0.8]);
    assert.deepEqual([width.deltaText, width.deltaPercent], ['same', 0]);
    assert.deepEqual([act.deltaText, act.value, act.bestValue], ['changed', 'tanh', 'relu']);
  });

  it('writes the acquisition value in words, and no forecast for a space-filling pick before any result', () => {
    const base = fixtureSuggestions();
    const s = base.suggestions[0]!;
    const ei = suggestionsView({ ...base, acquisition: 'expected improvement', suggestions: [{ ...s, acquisition: 0.0123 }] }).cards[0]!;
    assert.deepEqual([ei.acquisitionLabel, ei.acquisition], ['Expected improvement', '0.0123']);
    assert.match(ei.acquisitionWords, /expects this to beat the best trial by/);
    const pi = suggestionsView({ ...base, acquisition: 'probability of improvement', suggestions: [{ ...s, acquisition: 1 }] }).cards[0]!;
    assert.deepEqual([pi.acquisitionLabel, pi.acquisition], ['Probability of improvement', '84%']);
    assert.match(pi.acquisitionWords, /84% chance to beat the best trial/);
    const ucb = suggestionsView({ ...base, acquisition: 'UCB (β = 2)', suggestions: [{ ...s, acquisition: 1.5 }] }).cards[0]!;
    assert.match(ucb.acquisitionWords, /plus β standard deviations/);
    const start = suggestionsView({ ...base, best: undefined, suggestions: [{ ...s, predictedMean: 0, predictedSd: 1, initialDesign: true }] }).cards[0]!;
    assert.equal(start.predicted, 'no prediction before the first result');
    assert.equal(start.acquisition, 'not used yet');
    assert.match(start.acquisitionWords, /space-filling design/);
  });

  it('says so when there is nothing to suggest, and without a best trial shows dashes', () => {
    const view = suggestionsView({ ...fixtureSuggestions(), suggestions: [], best: undefined });
    assert.match(view.empty ?? '', /no suggestion/);
    const noBest = suggestionsView({ ...fixtureSuggestions(), best: undefined });
    assert.equal(noBest.best, undefined);
    assert.equal(noBest.cards[0].rows[0].bestValue, '—');
  });
});
