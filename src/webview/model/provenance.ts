// Provenance panel view model: what the prior learned from and how well it fits this task.
import type { ProvenanceResult } from '../../shared/dto';
import { formatNumber, formatParamValue, formatPercent } from '../../shared/numbers';
import { usesMatchedGroups } from '../../shared/objectiveKind';
import { outputRuleText } from '../../shared/outputRule';

export interface KeyValue {
  key: string;
  value: string;
}

export interface ProvenanceView {
  heading: string;
  summary: KeyValue[];
  tasks: { name: string; source: string; points: string; share: number; agreement?: string }[];
  /** True when some task says how it orders this experiment's trials (the table then has that column). */
  agreement: boolean;
  totalPoints: number;
  hyperparameters: KeyValue[];
  heldOut?: KeyValue[];
  /** Each parameter's search space against what the prior's training data measured, and where they fall short. */
  coverage?: { rows: { name: string; space: string; measured: string; gap: boolean }[]; gaps: string[] };
  note?: string;
}

const objectiveNames: Record<NonNullable<ProvenanceResult['objective']>, string> = {
  nll: 'negative log-likelihood (NLL)',
  ekl: 'empirical KL divergence (EKL)',
  'nll+ekl': 'NLL + EKL',
};

const meanNames: Record<string, string> = {
  zero: 'zero',
  constant: 'constant',
  linear: 'linear in the inputs',
  'linear-mlp': 'linear on learnt MLP features',
};
const kernelNames: Record<string, string> = { se: 'squared exponential', matern32: 'Matérn 3/2', matern52: 'Matérn 5/2' };

function kernelName(kind: string, onFeatures: boolean): string {
  const name = kernelNames[kind] ?? kind;
  return onFeatures ? `${name} on learnt MLP features` : name;
}

export function provenanceView(data: ProvenanceResult): ProvenanceView {
  const pretrained = data.model === 'pretrained';
  const summary: KeyValue[] = [
    { key: 'Model', value: pretrained ? 'Pre-trained HyperBO prior' : 'GP fitted to this experiment alone' },
    { key: 'Mean function', value: meanNames[data.mean] ?? data.mean },
    { key: 'Kernel', value: kernelName(data.kernel, data.kernelOnFeatures) },
  ];
  if (data.output) summary.push({ key: 'Output rule', value: outputRuleText(data.output) });
  if (data.objective) {
    const name = objectiveNames[data.objective] ?? data.objective;
    summary.push({ key: 'Pre-training objective', value: data.trainingLevel === 'estimated' ? `${name}, each training task about its own level` : name });
  }
  if (data.finalLoss !== undefined) summary.push({ key: 'Final loss', value: formatNumber(data.finalLoss) });
  // Matched groups (tasks measured at the same points) are EKL's data: an NLL prior did not use them.
  if (pretrained && data.objective && usesMatchedGroups(data.objective)) summary.push({ key: 'Matched groups', value: String(data.matchedGroups) });
  if (data.trainedAt) summary.push({ key: 'Trained at', value: data.trainedAt });
  if (data.cacheKey) summary.push({ key: 'Cache key', value: data.cacheKey });
  const totalPoints = data.tasks.reduce((s, t) => s + t.points, 0);
  const view: ProvenanceView = {
    heading: pretrained ? 'Pre-trained prior' : 'Single-task model',
    summary,
    totalPoints,
    tasks: [...data.tasks]
      .sort((a, b) => b.points - a.points || a.name.localeCompare(b.name))
      .map((t) => ({
        name: t.name,
        source: t.source,
        points: String(t.points),
        share: totalPoints > 0 ? t.points / totalPoints : 0,
        ...(t.agreement && t.agreement.pairs > 0
          ? { agreement: `${formatPercent(t.agreement.concordant, t.agreement.pairs)} of ${t.agreement.pairs} pairs` }
          : {}),
      })),
    agreement: data.tasks.some((t) => t.agreement && t.agreement.pairs > 0),
    hyperparameters: Object.entries(data.hyperparameters).map(([key, v]) => ({
      key,
      value: Array.isArray(v) ? v.map((x) => formatNumber(x, 3)).join(', ') : formatNumber(v),
    })),
  };
  if (data.heldOut) {
    view.heldOut = [
      { key: 'Completed trials used', value: String(data.heldOut.points) },
      { key: 'Mean predictive log-likelihood', value: formatNumber(data.heldOut.meanLogLik) },
      { key: 'RMSE (metric units)', value: formatNumber(data.heldOut.rmse) },
    ];
  }
  if (data.priorCheck) {
    const c = data.priorCheck;
    const spread = c.priorMeanZ2 === undefined ? '' : `, errors ${formatNumber(Math.sqrt(c.priorMeanZ2))}× the sd it predicts`;
    const line = {
      key: 'Transfer check',
      value:
        c.verdict === 'dropped'
          ? `prior mispredicts this task (negative transfer): held-out log-likelihood ${formatNumber(c.priorLogLik)}${spread} vs ${formatNumber(c.singleTaskLogLik)} for a GP fitted to its ${c.points} trials`
          : `prior predicts this task's ${c.points} trials (held-out log-likelihood ${formatNumber(c.priorLogLik)}${spread}; a GP fitted to them alone: ${formatNumber(c.singleTaskLogLik)})`,
    };
    view.heldOut = [...(view.heldOut ?? []), line];
  }
  if (data.coverage) {
    const shown = (categorical: boolean, values: (string | number)[]) =>
      categorical ? values.map(formatParamValue).join(', ') || 'none' : `${formatNumber(values[0] as number)} to ${formatNumber(values[1] as number)}`;
    view.coverage = {
      rows: data.coverage.map((c) => ({ name: c.name, space: shown(c.categorical, c.space), measured: shown(c.categorical, c.measured), gap: c.gap !== undefined })),
      gaps: data.coverage.flatMap((c) => (c.gap ? [c.gap] : [])),
    };
  }
  if (!pretrained && data.tasks.length === 0) {
    view.note = 'No related tasks: the model learns from this experiment\'s own trials only. Add a `prior:` section to pre-train on related data.';
  }
  return view;
}
