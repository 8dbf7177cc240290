// What the experiments tree shows for an experiment or a trial. Pure data (no vscode), so the mapping
// from server DTOs to labels, icons and menus is unit-tested; experimentsTree.ts turns it into TreeItems.
import type { ExperimentSummary, TrialDTO, TrialStatus } from '../../shared/dto';
import { formatNumber, formatParams } from '../../shared/numbers';
import { statusText } from '../../shared/trialStatus';

export interface ItemModel {
  label: string;
  description: string;
  tooltip: string;
  /** A codicon id (ThemeIcon), with `~spin` for running work. */
  icon: string;
  /** A theme color id for the icon, when the status has one. */
  color?: string;
  /** Drives the context menus in package.json (`viewItem`). */
  contextValue: string;
}

/** The runner's view of a trial in this window, which can be ahead of the file (queued, just started). */
export type LocalRunState = 'queued' | 'running' | undefined;

const statusIcons: Record<TrialStatus, { icon: string; color?: string }> = {
  pending: { icon: 'circle-large-outline' },
  running: { icon: 'sync~spin', color: 'charts.blue' },
  completed: { icon: 'pass', color: 'testing.iconPassed' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  diverged: { icon: 'warning', color: 'list.warningForeground' },
  stopped: { icon: 'debug-stop', color: 'disabledForeground' },
};


export function trialItemModel(trial: TrialDTO, metric: string, local: LocalRunState = undefined): ItemModel {
  // A run this window queued or started is shown as such even before the file says so.
  const status: TrialStatus = local === 'running' ? 'running' : trial.status;
  const { icon, color } = local === 'queued' ? { icon: 'watch', color: undefined } : statusIcons[status];
  const parts: string[] = [];
  if (trial.value !== undefined && (status === 'completed' || status === 'running' || status === 'stopped')) parts.push(`${metric} ${formatNumber(trial.value)}`);
  else if (status === 'running' && trial.curve && trial.curve.length > 0) {
    const last = trial.curve[trial.curve.length - 1]!;
    parts.push(`step ${last.step}: ${formatNumber(last.value)}`);
  }
  const shownStatus = statusText({ status, step: trial.step });
  parts.push(local === 'queued' ? 'queued' : shownStatus);
  // The job to look up with squeue/scontrol while it runs (the file records it; only Slurm has jobs so far).
  if (trial.job && status === 'running') parts.push(`Slurm job ${trial.job}`);
  // run.stopping ordered it stopped; its runner stops it (at once when it is this window's, else see ruleStops.ts).
  if (trial.stop && status === 'running') parts.push(`worse than the median at step ${trial.stop.step}`);
  const tooltipLines = [`Trial ${trial.id}: ${local === 'queued' ? 'queued to run' : shownStatus}`, formatParams(trial.params)];
  if (trial.value !== undefined) tooltipLines.push(`${metric} = ${trial.value}`);
  if (trial.reason) tooltipLines.push(trial.reason);
  if (trial.stop && status === 'running') tooltipLines.push(`run.stopping: to be stopped (${trial.stop.reason})`);
  if (trial.job) tooltipLines.push(`Slurm job ${trial.job}`);
  if (trial.started) tooltipLines.push(`started ${trial.started}`);
  if (trial.finished) tooltipLines.push(`finished ${trial.finished}`);
  return {
    label: `Trial ${trial.id}`,
    description: parts.join(' · '),
    tooltip: tooltipLines.join('\n'),
    icon,
    ...(color ? { color } : {}),
    // `trial:<status>` (+ `:local` when this window runs it) selects Run/Stop in the context menu.
    contextValue: `trial:${local ?? status}${local ? ':local' : ''}`,
  };
}

export function experimentItemModel(summary: ExperimentSummary): ItemModel {
  const t = summary.trials;
  const done = t.completed;
  const parts = [summary.budget !== undefined ? `${done}/${summary.budget}` : `${done} done`];
  if (t.running > 0) parts.push(`${t.running} running`);
  if (summary.best) parts.push(`best ${formatNumber(summary.best.value)}`);
  if (summary.errors) parts.push(`${summary.errors} error${summary.errors === 1 ? '' : 's'}`);
  const tooltip = [
    `${summary.name} — ${summary.goal} ${summary.metric}`,
    `${t.total} trials: ${t.completed} completed, ${t.running} running, ${t.pending} pending, ${t.failed} failed`,
    summary.best ? `best: trial ${summary.best.trialId}, ${summary.metric} = ${summary.best.value} (${formatParams(summary.best.params)})` : 'no completed trial yet',
  ];
  if (summary.errors) tooltip.push(`The file has ${summary.errors} problem(s); the last good state is shown.`);
  return {
    label: summary.name,
    description: parts.join(' · '),
    tooltip: tooltip.join('\n'),
    icon: summary.errors ? 'warning' : 'beaker',
    ...(summary.errors ? { color: 'list.warningForeground' } : {}),
    contextValue: 'experiment',
  };
}

/** Trials newest first (the one you just added or ran is on top). */
export function sortTrials(trials: readonly TrialDTO[]): TrialDTO[] {
  return [...trials].sort((a, b) => b.id - a.id);
}
