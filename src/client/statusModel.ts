// The status bar text for server health and the active experiment. Pure, unit-tested.
import type { ExperimentSummary } from '../shared/dto';
import { escapeMarkdown } from '../shared/markdown';
import { formatNumber } from '../shared/numbers';

export type ServerHealth = 'starting' | 'ready' | 'pretraining' | 'suggesting' | 'error' | 'stopped';

export interface StatusModel {
  text: string;
  /** Markdown; every workspace string and server message in it is escaped. */
  tooltip: string;
  /** 'error' and 'warning' pick the status bar's error/warning background. */
  severity: 'normal' | 'warning' | 'error';
}

export function statusModel(health: ServerHealth, experiment: ExperimentSummary | undefined, detail?: string): StatusModel {
  const lines: string[] = [];
  let icon = '$(beaker)';
  let severity: StatusModel['severity'] = 'normal';
  let state = '';
  switch (health) {
    case 'starting':
      icon = '$(loading~spin)';
      state = 'starting';
      lines.push('The HyperBO language server is starting.');
      break;
    case 'pretraining':
      icon = '$(loading~spin)';
      state = 'pre-training';
      lines.push('Pre-training a prior' + (detail ? `: ${escapeMarkdown(detail)}` : '.'));
      break;
    case 'suggesting':
      icon = '$(loading~spin)';
      lines.push('Computing suggestions.');
      break;
    case 'error':
      icon = '$(warning)';
      severity = 'warning';
      lines.push(`The server reported a problem${detail ? `: ${escapeMarkdown(detail)}` : '.'}`);
      break;
    case 'stopped':
      icon = '$(error)';
      severity = 'error';
      state = 'server stopped';
      lines.push(`The HyperBO language server is not running${detail ? `: ${escapeMarkdown(detail)}` : '.'} Click to see the logs; run "HyperBO: Restart Server" to start it again.`);
      break;
    case 'ready':
      lines.push('The HyperBO language server is running.');
      break;
  }
  let text = `${icon} HyperBO`;
  if (experiment) {
    const t = experiment.trials;
    const progress = experiment.budget !== undefined ? `${t.completed}/${experiment.budget}` : `${t.completed} done`;
    const best = experiment.best ? ` · best ${formatNumber(experiment.best.value)}` : '';
    text += `: ${progress}${best}`;
    lines.push(
      `**${escapeMarkdown(experiment.name)}**: ${t.completed} completed, ${t.running} running, ${t.pending} pending, ${t.failed} failed` +
        (experiment.budget !== undefined ? ` (budget ${experiment.budget})` : ''),
    );
    if (experiment.best) lines.push(`Best ${escapeMarkdown(experiment.metric)}: ${experiment.best.value} (trial ${experiment.best.trialId}, ${experiment.goal})`);
    if (experiment.errors) lines.push(`The file has ${experiment.errors} problem(s); the last good state is used.`);
  }
  if (state) text += ` (${state})`;
  return { text, tooltip: lines.join('\n\n'), severity };
}
