// A trial written out as a read-only YAML document: the two sides of Compare Trial with Best. Pure (no vscode), so
// unit tests read it as the diff editor shows it. Written by hand: the client does not load the YAML library, and a
// flat document of scalars needs only keys and JSON-quoted strings (valid YAML).
import type { TrialDTO, TrialHistoryResult } from '../shared/dto';

const PLAIN_KEY = /^[A-Za-z_][\w./-]*$/;
const key = (name: string): string => (PLAIN_KEY.test(name) ? name : JSON.stringify(name));
const scalar = (value: unknown): string => (value === undefined || value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : String(value));

/**
 * One trial as YAML: its result, then its parameters in the search space's order (so two trials' documents line up
 * in a diff; names the space no longer has come last), then when it ran and where its log is.
 */
export function trialDocument(history: Pick<TrialHistoryResult, 'experiment' | 'metric' | 'parameters'>, trial: TrialDTO, role?: string): string {
  const names = history.parameters.map((p) => p.name).filter((name) => name in trial.params);
  for (const name of Object.keys(trial.params)) if (!names.includes(name)) names.push(name);
  const lines = [
    // Read-only: the experiment file is the record.
    `# ${history.experiment} · trial ${trial.id}${role ? ` (${role})` : ''} · read-only`,
    `trial: ${trial.id}`,
    `status: ${trial.status}`,
    `${key(history.metric)}: ${scalar(trial.value)}`,
  ];
  if (trial.step !== undefined) lines.push(`step: ${trial.step}`);
  if (trial.reason) lines.push(`reason: ${scalar(trial.reason)}`);
  lines.push('params:', ...names.map((name) => `  ${key(name)}: ${scalar(trial.params[name])}`));
  for (const field of ['started', 'finished', 'log', 'job'] as const) if (trial[field]) lines.push(`${field}: ${scalar(trial[field])}`);
  return `${lines.join('\n')}\n`;
}
