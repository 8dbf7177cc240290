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
  acquisition: string;
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
      predicted: formatMeanSd(s.predictedMean, s.predictedSd),
      acquisition: formatNumber(s.acquisition),
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
