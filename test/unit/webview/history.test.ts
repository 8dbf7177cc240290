import assert from 'node:assert/strict';
import type { TrialDTO } from '../../../src/shared/dto';
import { bestTrial } from '../../../src/shared/trials';
import {
  bestSoFar, bestSoFarSpec, flatRange, trialTickStep, historyColumns, historyRows, historySummary, learningCurvesSpec, logTicks, mergeTrial, nextSort, parcoordsSpec,
} from '../../../src/webview/model/history';
import { buildPalette } from '../../../src/webview/model/palette';
import { fixtureHistory } from '../../webview-preview/fixtures';

const palette = buildPalette({}, 'light');
const trial = (id: number, status: TrialDTO['status'], value?: number, params: TrialDTO['params'] = { lr: id / 10 }): TrialDTO => ({ id, status, value, params });

describe('trial history view model', () => {
  it('tracks the best value so far under the goal, skipping unfinished trials', () => {
    const trials = [trial(1, 'completed', 0.5), trial(2, 'failed'), trial(3, 'completed', 0.7), trial(4, 'completed', 0.2), trial(5, 'running')];
    assert.deepEqual(bestSoFar(trials, 'minimize'), { ids: [1, 3, 4], values: [0.5, 0.7, 0.2], best: [0.5, 0.5, 0.2] });
    assert.deepEqual(bestSoFar(trials, 'maximize').best, [0.5, 0.7, 0.7]);
    assert.equal(bestTrial(trials, 'minimize')?.id, 4);
    assert.equal(bestTrial([trial(1, 'completed', Number.NaN)], 'minimize'), undefined);
  });

  it('sorts rows by any column with missing values last, and flags the best trial', () => {
    const data = { ...fixtureHistory(), trials: [trial(1, 'completed', 0.5), trial(2, 'failed'), trial(3, 'completed', 0.2)], parameters: [{ name: 'lr', type: 'float' as const }] };
    const ascending = historyRows(data, { column: 'value', direction: 'ascending' });
    assert.deepEqual(ascending.map((r) => r.id), [3, 1, 2]);
    assert.equal(ascending[0].isBest, true);
    const descending = historyRows(data, { column: 'value', direction: 'descending' });
    assert.deepEqual(descending.map((r) => r.id), [1, 3, 2]);
    assert.deepEqual(historyRows(data, { column: 'param:lr', direction: 'descending' }).map((r) => r.id), [3, 2, 1]);
    assert.deepEqual(historyColumns(data).map((c) => c.key), ['id', 'status', 'value', 'param:lr', 'duration']);
    assert.deepEqual(ascending[2].cells, ['2', 'failed', '—', '0.2', '—']);
  });

  it('shows a stopped trial as "stopped · step N" with its value there, never as the best', () => {
    const data = { ...fixtureHistory(), trials: [trial(1, 'completed', 0.5), { ...trial(2, 'stopped', 0.1), step: 40 }], parameters: [{ name: 'lr', type: 'float' as const }] };
    const rows = historyRows(data, { column: 'id', direction: 'ascending' });
    assert.deepEqual(rows[1]!.cells.slice(0, 3), ['2', 'stopped · step 40', '0.1']);
    assert.deepEqual(rows.map((r) => r.isBest), [true, false]);
  });

  it('toggles sort direction on the same header, and starts "higher is better" values descending', () => {
    assert.deepEqual(nextSort({ column: 'id', direction: 'ascending' }, 'id', 'minimize'), { column: 'id', direction: 'descending' });
    assert.deepEqual(nextSort({ column: 'id', direction: 'ascending' }, 'value', 'maximize'), { column: 'value', direction: 'descending' });
    assert.deepEqual(nextSort({ column: 'id', direction: 'descending' }, 'value', 'minimize'), { column: 'value', direction: 'ascending' });
  });

  it('merges a live trial update without changing the input', () => {
    const data = fixtureHistory();
    const running = data.trials.at(-1)!;
    const updated = mergeTrial(data, { ...running, curve: [...running.curve!, { step: 5000, value: 0.05 }] });
    assert.equal(updated.trials.length, data.trials.length);
    assert.equal(updated.trials.at(-1)!.curve!.length, running.curve!.length + 1);
    assert.equal(data.trials.at(-1)!.curve!.length, running.curve!.length);
    const added = mergeTrial(data, trial(99, 'pending'));
    assert.equal(added.trials.at(-1)!.id, 99);
  });

  it('draws best-so-far as a step line and a learning curve per logged trial on a log axis', () => {
    const data = fixtureHistory();
    const best = bestSoFarSpec(data, palette);
    assert.equal((best.data[1].line as { shape: string }).shape, 'hv');
    const curves = learningCurvesSpec(data, palette);
    assert.equal(curves.data.length, data.trials.filter((t) => t.curve?.length).length);
    assert.ok(curves.data.some((t) => String(t.name).includes('(running)')));
    assert.ok(curves.data.some((t) => String(t.name).includes('(best)')));
    assert.equal((curves.layout.yaxis as Record<string, unknown>).type, 'log');
  });

  it('an empty best-so-far chart says that no trial has completed yet, with no empty axes', () => {
    const data = fixtureHistory();
    const empty = bestSoFarSpec({ ...data, trials: data.trials.filter((t) => t.status !== 'completed') }, palette);
    assert.equal(empty.data.length, 0);
    assert.match(String((empty.layout.annotations as { text: string }[])[0]!.text), /^No completed trial yet/);
    assert.equal((empty.layout.xaxis as Record<string, unknown>).showticklabels, false);
    assert.equal(bestSoFarSpec(data, palette).layout.annotations, undefined);
  });

  it('one completed trial gets a y axis around its value, not value ± 1', () => {
    const data = fixtureHistory();
    const one = bestSoFarSpec({ ...data, trials: [trial(1, 'completed', 0.035)] }, palette);
    const [lo, hi] = (one.layout.yaxis as { range: [number, number] }).range;
    assert.ok(Math.abs(lo - 0.0175) < 1e-12 && Math.abs(hi - 0.0525) < 1e-12, `${lo}, ${hi}`);
    assert.equal((bestSoFarSpec(data, palette).layout.yaxis as Record<string, unknown>).range, undefined);
    assert.deepEqual(flatRange([0, 0]), { range: [-1, 1] });
    assert.deepEqual(flatRange([-4, -4]), { range: [-6, -2] });
    assert.deepEqual(flatRange([1, 2]), {});
    assert.deepEqual(flatRange([]), {});
  });

  it('labels the trial axis with whole numbers, at most about eight of them', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    assert.deepEqual([1, 5, 9, 17, 20, 40, 100, 1000].map((n) => trialTickStep(ids(n))), [1, 1, 1, 2, 5, 5, 20, 200]);
    for (const n of [3, 20, 57, 400]) assert.ok((n - 1) / trialTickStep(ids(n)) <= 8, `${n} trials`);
  });

  it('labels log axes at 1, 2 and 5 per decade with whole numbers', () => {
    assert.deepEqual(logTicks(0.03, 0.8), { type: 'log', tickvals: [0.05, 0.1, 0.2, 0.5], ticktext: ['0.05', '0.1', '0.2', '0.5'] });
  });

  it('builds parallel coordinates with log axes in decades and the objective last', () => {
    const data = fixtureHistory();
    const spec = parcoordsSpec(data, palette)!;
    const dims = spec.data[0].dimensions as { label: string; values: number[]; tickvals?: number[] }[];
    assert.equal(dims.length, data.parameters.length + 1);
    assert.equal(dims[0].label, 'learning_rate (log)');
    const completed = data.trials.filter((t) => t.status === 'completed');
    assert.ok(Math.abs(dims[0].values[0] - Math.log10(completed[0].params.learning_rate as number)) < 1e-12);
    assert.equal(dims.at(-1)!.label, 'valid/error_rate');
    assert.equal(parcoordsSpec({ ...data, trials: data.trials.slice(0, 1) }, palette), undefined);
  });

  it('maps categorical parameters to indexed axes with escaped tick text', () => {
    const data = {
      ...fixtureHistory(),
      parameters: [{ name: 'act', type: 'categorical' as const, choices: ['relu', '<b>x</b>'] }],
      trials: [trial(1, 'completed', 0.1, { act: '<b>x</b>' }), trial(2, 'completed', 0.2, { act: 'relu' })],
    };
    const dims = parcoordsSpec(data, palette)!.data[0].dimensions as { values: number[]; ticktext: string[] }[];
    assert.deepEqual(dims[0].values, [1, 0]);
    assert.deepEqual(dims[0].ticktext, ['relu', '&lt;b&gt;x&lt;/b&gt;']);
  });

  it('summarises counts and the best trial', () => {
    assert.match(historySummary(fixtureHistory()), /^12 trials \(10 completed, 1 failed, 1 running\) · best: trial \d+ with 0\.03/);
    assert.equal(historySummary({ ...fixtureHistory(), trials: [] }), '0 trials');
  });
});
