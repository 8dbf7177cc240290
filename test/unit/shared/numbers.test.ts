import assert from 'node:assert/strict';
import { trialItemModel } from '../../../src/client/tree/treeModel';
import { suggestionTitle, trialTitle } from '../../../src/server/service/editorFeatures';
import type { SuggestResult, TrialDTO, TrialHistoryResult } from '../../../src/shared/dto';
import { formatMeanSd, formatNumber, formatParams, formatParamValue } from '../../../src/shared/numbers';
import { historyRows } from '../../../src/webview/model/history';

describe('shared/numbers (how every surface writes numbers)', () => {
  it('4 significant digits with trailing zeros dropped; exponent form below 1e-3 and from 1e5', () => {
    assert.equal(formatNumber(0.031234567), '0.03123');
    assert.equal(formatNumber(0.5), '0.5');
    assert.equal(formatNumber(1.5), '1.5');
    assert.equal(formatNumber(120), '120');
    assert.equal(formatNumber(1234.5678), '1235');
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(-0), '0');
    assert.equal(formatNumber(0.001), '0.001');
    assert.equal(formatNumber(0.000999), '9.99e-4');
    assert.equal(formatNumber(1.2e-5), '1.2e-5');
    assert.equal(formatNumber(-0.00082251), '-8.225e-4');
    assert.equal(formatNumber(99999), '1e+5', '5 digits rounded to 4 reach 1e5');
    assert.equal(formatNumber(3.2e7), '3.2e+7');
    assert.equal(formatNumber(1e5), '1e+5');
  });

  it('other precisions, clamped to what toPrecision takes', () => {
    assert.equal(formatNumber(0.0031, 2), '0.0031');
    assert.equal(formatNumber(1 / 3, 6), '0.333333');
    assert.equal(formatNumber(1 / 3, 0), '0.3');
    assert.equal(formatNumber(1 / 3, 99), (1 / 3).toPrecision(21).replace(/0+$/, ''));
  });

  it('a dash for missing and non-finite numbers, never NaN or Infinity', () => {
    assert.equal(formatNumber(undefined), '—');
    assert.equal(formatNumber(Number.NaN), '—');
    assert.equal(formatNumber(Number.POSITIVE_INFINITY), '—');
    assert.equal(formatNumber(Number.NEGATIVE_INFINITY), '—');
  });

  it('parameters: numbers by the same rule, strings and booleans as written', () => {
    assert.equal(formatParamValue(0.031234567), '0.03123');
    assert.equal(formatParamValue(64), '64');
    assert.equal(formatParamValue('adam'), 'adam');
    assert.equal(formatParamValue(true), 'true');
    assert.equal(formatParamValue(undefined), '—');
    assert.equal(formatParams({ lr: 1.234e-5, optimizer: 'adam', layers: 3 }), 'lr=1.234e-5 optimizer=adam layers=3');
    assert.equal(formatMeanSd(0.03301, 0.0031), '0.03301 ± 0.0031');
  });

  it('the code lens, the tree view and the history panel write a trial\'s value and parameters alike', () => {
    const trial: TrialDTO = { id: 3, params: { lr: 0.000123456, optimizer: 'adam' }, status: 'completed', value: 0.031234567 };
    assert.equal(trialTitle(trial, 'err'), '✓ trial 3: completed · err 0.03123');
    assert.match(trialItemModel(trial, 'err').description ?? '', /err 0\.03123/);
    assert.match(trialItemModel(trial, 'err').tooltip ?? '', /lr=1\.235e-4 optimizer=adam/);
    const history = { uri: 'u', experiment: 'e', metric: 'err', goal: 'minimize', parameters: [{ name: 'lr', type: 'float', low: 1e-5, high: 1, scale: 'log' }, { name: 'optimizer', type: 'categorical', choices: ['adam'] }], trials: [trial] } as TrialHistoryResult;
    assert.deepEqual(historyRows(history, { column: 'id', direction: 'ascending' }).map((r) => r.cells.slice(2, 4)), [['0.03123', '1.235e-4']]);
    const suggestion = { suggestions: [{ params: { lr: 0.000123456, optimizer: 'adam' }, predictedMean: 0.031234567, predictedSd: 0.0012345 }] } as unknown as SuggestResult;
    assert.equal(suggestionTitle(suggestion), '▶ next: lr=1.235e-4 optimizer=adam  predicted 0.03123 ± 0.0012');
  });
});
