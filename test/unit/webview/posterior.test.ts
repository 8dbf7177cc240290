import assert from 'node:assert/strict';
import type { PosteriorResult, Slice1D } from '../../../src/shared/dto';
import { buildPalette } from '../../../src/webview/model/palette';
import { anchorText, contourSpec, defaultPair, metricDomain, projectionOpacity, sliceSpec, unitPosition } from '../../../src/webview/model/posterior';
import { fixtureParameters, fixturePosterior } from '../../webview-preview/fixtures';
import { assertClose } from '../helpers/approx';

const palette = buildPalette({}, 'dark');

describe('posterior view model', () => {
  it('places values in the unit interval, log-aware, and categoricals by index', () => {
    const lr = fixtureParameters[0];
    assertClose(unitPosition(1e-5, lr)!, 0);
    assertClose(unitPosition(10, lr)!, 1);
    assertClose(unitPosition(Math.sqrt(1e-5 * 10), lr)!, 0.5, { abs: 1e-12 });
    assert.equal(unitPosition('tanh', { name: 'a', type: 'categorical', choices: ['relu', 'tanh', 'gelu'] }), 0.5);
    assert.equal(unitPosition('swish', { name: 'a', type: 'categorical', choices: ['relu'] }), undefined);
    assert.equal(unitPosition('x', lr), undefined);
  });

  it('fades observations that are far from the anchor in the other parameters', () => {
    const anchor = { learning_rate: 0.01, one_minus_momentum: 0.02, lr_decay_power: 1, lr_decay_steps_factor: 0.5 };
    const same = projectionOpacity({ ...anchor, learning_rate: 5 }, anchor, fixtureParameters, 'learning_rate');
    const far = projectionOpacity({ ...anchor, one_minus_momentum: 0.999, lr_decay_power: 2 }, anchor, fixtureParameters, 'learning_rate');
    assertClose(same, 1);
    assert.ok(far < 0.3 && far >= 0.15, `far observation opacity ${far}`);
  });

  it('builds a slice with a ±2 sd band, prior, observations, anchor and acquisition on a second log-x axis', () => {
    const result = fixturePosterior({ includePrior: true });
    const slice = result.slices[0];
    const spec = sliceSpec(slice, result, palette);
    const names = spec.data.map((t) => t.name);
    assert.ok(names.includes('posterior') && names.includes('prior') && names.includes('trials') && names.includes('acquisition') && names.includes('best trial'));
    const lowerBand = spec.data.find((t) => t.name === 'posterior ± 2 sd')!;
    assertClose((lowerBand.y as number[])[10], slice.mean[10] - 2 * slice.sd[10]);
    const upperBand = spec.data[spec.data.indexOf(lowerBand) - 1];
    assertClose((upperBand.y as number[])[10], slice.mean[10] + 2 * slice.sd[10]);
    assert.equal(spec.data.find((t) => t.name === 'acquisition')!.yaxis, 'y2');
    assert.equal((spec.layout.xaxis as Record<string, unknown>).type, 'log');
    assert.equal((spec.layout.yaxis2 as Record<string, unknown>).overlaying, 'y');
    assert.equal((spec.layout.yaxis2 as Record<string, unknown>).tickmode, 'auto', 'its own rounded ticks, not synced to the left axis');
    const trials = spec.data.find((t) => t.name === 'trials')!;
    assert.equal((trials.x as number[]).length, result.observations.length);
    assert.ok(!JSON.stringify(trials).includes('learning_rate'), 'names stay out of hover templates');
  });

  it('keeps an error rate\'s band inside [0, 1] and its y-range on the trials, with the server\'s warped band when sent', () => {
    // Few trials near 0: mean ± 2 sd in metric units reaches −0.5, as it did before bands followed the warp.
    const xs = [0, 0.25, 0.5, 0.75, 1];
    const slice: Slice1D = { param: 'x', scale: 'linear', xs, mean: [0.05, 0.1, 0.3, 0.2, 0.1], sd: [0.3, 0.2, 0.1, 0.2, 0.4], acquisition: [0, 1, 2, 1, 0] };
    const result: PosteriorResult = {
      uri: 'u', metric: 'valid/error_rate', goal: 'minimize', anchor: { x: 0.5 }, anchorKind: 'best', slices: [slice],
      parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }],
      observations: [{ trialId: 1, params: { x: 0.5 }, value: 0.3 }, { trialId: 2, params: { x: 0.25 }, value: 0.12 }],
    };
    const spec = sliceSpec(slice, result, palette);
    const lower = spec.data.find((t) => t.name === 'posterior ± 2 sd')!.y as number[];
    const upper = spec.data[spec.data.indexOf(spec.data.find((t) => t.name === 'posterior ± 2 sd')!) - 1]!.y as number[];
    assert.ok([...lower, ...upper].every((v) => v >= 0 && v <= 1), `band ${lower} … ${upper}`);
    assert.equal(lower[0], 0);
    const range = (spec.layout.yaxis as { range: [number, number] }).range;
    assert.ok(range[0] >= 0 && range[0] < 0.05 && range[1] > 0.3 && range[1] < 0.4, `y-range ${range} follows the trials and the mean, not the band`);
    // The server's band (through the output warp) is drawn as sent.
    const warped = sliceSpec({ ...slice, lower: [0.01, 0.02, 0.2, 0.1, 0.03], upper: [0.4, 0.3, 0.45, 0.5, 0.9] }, result, palette);
    assert.deepEqual(warped.data.find((t) => t.name === 'posterior ± 2 sd')!.y, [0.01, 0.02, 0.2, 0.1, 0.03]);
    assert.deepEqual(metricDomain('valid/error_rate', [0.1, 0.9]), [0, 1]);
    assert.deepEqual(metricDomain('accuracy %', [91, 95]), [0, Infinity]);
    assert.deepEqual(metricDomain('train/loss', [2.3, 0.4]), [0, Infinity]);
    assert.deepEqual(metricDomain('reward', [-3, 2]), [-Infinity, Infinity]);
  });

  it('draws categorical slices with error bars at category positions', () => {
    const slice: Slice1D = { param: 'act', scale: 'linear', categorical: ['relu', '<tanh>'], xs: [0, 1], mean: [0.1, 0.2], sd: [0.01, 0.02], acquisition: [1, 2] };
    const result: PosteriorResult = {
      uri: 'u', metric: 'loss', goal: 'minimize', anchor: { act: '<tanh>' }, anchorKind: 'best', slices: [slice],
      parameters: [{ name: 'act', type: 'categorical', choices: ['relu', '<tanh>'] }],
      observations: [{ trialId: 1, params: { act: 'relu' }, value: 0.12 }, { trialId: 2, params: { act: 'gone' }, value: 0.3 }],
    };
    const spec = sliceSpec(slice, result, palette);
    const posterior = spec.data.find((t) => t.name === 'posterior')!;
    const bars = posterior.error_y as { array: number[]; arrayminus: number[] };
    for (const [i, v] of [0.02, 0.04].entries()) {
      assertClose(bars.array[i]!, v);
      assertClose(bars.arrayminus[i]!, v);
    }
    assert.deepEqual((spec.layout.xaxis as { ticktext: string[] }).ticktext, ['relu', '&lt;tanh&gt;']);
    assert.deepEqual(spec.data.find((t) => t.name === 'trials')!.x, [0]);
    assert.deepEqual(spec.data.find((t) => t.name === 'best trial')!.x, [1, 1]);
  });

  it('builds the contour of the chosen quantity with observations and the anchor, reversing the scale when lower is better', () => {
    const result = fixturePosterior();
    const mean = contourSpec(result.contour!, result, 'mean', palette);
    assert.equal(mean.data[0].type, 'contour');
    assert.equal(mean.data[0].z, result.contour!.mean);
    assert.equal(mean.data[0].reversescale, true);
    assert.equal(contourSpec(result.contour!, result, 'acquisition', palette).data[0].z, result.contour!.acquisition);
    assert.equal(contourSpec(result.contour!, { ...result, goal: 'maximize' }, 'mean', palette).data[0].reversescale, false);
    assert.equal(mean.data.find((t) => t.name === 'best trial')!.marker && true, true);
    assert.equal((mean.layout.xaxis as Record<string, unknown>).type, 'log');
  });

  it('picks a default pair and describes the anchor', () => {
    const result = fixturePosterior();
    assert.deepEqual(defaultPair(result), ['learning_rate', 'one_minus_momentum']);
    assert.deepEqual(defaultPair({ ...result, contour: undefined, parameters: fixtureParameters.slice(2) }), ['lr_decay_power', 'lr_decay_steps_factor']);
    assert.equal(defaultPair({ ...result, contour: undefined, parameters: fixtureParameters.slice(3) }), undefined);
    assert.match(anchorText(result), /^Slices through the best trial: learning_rate=/);
  });
});
