// Suggestions panel view model: what each suggested configuration predicts and how far it moves from the best trial.
import type { ParamValue, SuggestResult } from '../../shared/dto';
import { formatMeanSd, formatNumber, formatParamValue } from '../../shared/numbers';
import { goalWord } from './format';

export interface ParamDeltaRow {
  name: string;
  value: string;
  bestValue: string;
  /** Signed unit-cube distance from the best trial, clamped to -1..1; undefined without a best trial. */
  delta?: number;
  /** Text for the delta, e.g. "+0.12" or "same"; '—' when unknown. */
  deltaText: string;
  /** Width of the delta bar as a percentage of half the track (0..100); half the cube's width fills it. */
  deltaPercent: number;
}

export interface SuggestionCard {
  index: number;
  title: string;
  predicted: string;
  /** The acquisition's name, e.g. "Expected improvement". */
  acquisitionLabel: string;
  acquisition: string;
  /** What the acquisition value means, in words. */
  acquisitionWords: string;
  /** Why this configuration, when it is not the acquisition's choice. */
  note?: string;
  rows: ParamDeltaRow[];
}

export interface SuggestionsView {
  heading: string;
  subheading: string;
  modelNote: string;
  best?: string;
  cards: SuggestionCard[];
  empty?: string;
}

export function suggestionsView(data: SuggestResult): SuggestionsView {
  const modelNote =
    data.model === 'pretrained'
      ? `Pre-trained HyperBO prior · acquisition: ${data.acquisition}`
      : `GP fitted to this experiment alone (no pre-trained prior) · acquisition: ${data.acquisition}`;
  const view: SuggestionsView = {
    heading: data.experiment,
    subheading: `${data.metric} (${goalWord(data.goal)})`,
    modelNote,
    cards: data.suggestions.map((s, index) => ({
      index,
      title: data.suggestions.length > 1 ? `Suggestion ${index + 1}` : 'Next configuration',
      // Before any result the model predicts nothing about this task (its default prior, "0 ± 1").
      predicted: s.initialDesign && !data.best ? 'no prediction before the first result' : formatMeanSd(s.predictedMean, s.predictedSd),
      ...acquisitionText(data.acquisition, s.acquisition, s.initialDesign === true),
      ...(s.initialDesign
        ? { note: 'Space-filling start: without a pre-trained prior, the first trials spread over the search space before the GP guides the search.' }
        : {}),
      rows: Object.keys(s.params).map((name) => deltaRow(name, s.params[name], data.best?.params[name], s.deltaFromBest?.[name])),
    })),
  };
  if (data.best) view.best = `Best so far: trial ${data.best.trialId} with ${data.metric} = ${formatNumber(data.best.value)}`;
  if (data.suggestions.length === 0) view.empty = 'The server returned no suggestion (is the budget used up?).';
  return view;
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, error < 1.5e-7): enough to write a probability in percent. */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * The acquisition value with its name and what it means. The server names the acquisition ("expected improvement",
 * "probability of improvement", "UCB (β = 2)"); its value is in the model's standardised units, so words say
 * how to read it rather than a unit.
 */
export function acquisitionText(name: string, value: number, initialDesign: boolean): Pick<SuggestionCard, 'acquisitionLabel' | 'acquisition' | 'acquisitionWords'> {
  const label = name.charAt(0).toUpperCase() + name.slice(1);
  if (initialDesign) return { acquisitionLabel: label, acquisition: 'not used yet', acquisitionWords: 'The first trials are a space-filling design; the acquisition picks after them.' };
  if (/^probability of improvement/i.test(name)) {
    const p = normalCdf(value);
    const percent = p < 0.01 ? '< 1%' : p > 0.99 ? '> 99%' : `${Math.round(p * 100)}%`;
    return { acquisitionLabel: label, acquisition: percent, acquisitionWords: `The model gives this configuration a ${percent} chance to beat the best trial.` };
  }
  if (/^expected improvement/i.test(name)) {
    return {
      acquisitionLabel: label,
      acquisition: formatNumber(value),
      acquisitionWords: value > 0 ? 'How much the model expects this to beat the best trial by (standardised units); the largest is suggested.' : 'The model expects no improvement anywhere it looked; this is its least bad guess.',
    };
  }
  return { acquisitionLabel: label, acquisition: formatNumber(value), acquisitionWords: 'Optimistic estimate: predicted value plus β standard deviations (standardised units); the largest is suggested.' };
}

function deltaRow(name: string, value: ParamValue, best: ParamValue | undefined, delta: number | undefined): ParamDeltaRow {
  const row: ParamDeltaRow = {
    name,
    value: formatParamValue(value),
    bestValue: formatParamValue(best),
    deltaText: '—',
    deltaPercent: 0,
  };
  if (delta === undefined || !Number.isFinite(delta)) {
    if (best !== undefined && typeof value === 'string') row.deltaText = value === best ? 'same' : 'changed';
    return row;
  }
  const clamped = Math.max(-1, Math.min(1, delta));
  row.delta = clamped;
  row.deltaPercent = Math.min(100, Math.round(Math.abs(clamped) * 200));
  row.deltaText = Math.abs(clamped) < 0.005 ? 'same' : `${clamped > 0 ? '+' : '−'}${Math.abs(clamped).toFixed(2)}`;
  return row;
}
