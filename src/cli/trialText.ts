// Text edits that add or rewrite one trial in an experiment file without reformatting anything else.
import { isMap, isSeq, parseDocument, stringify, type Node } from 'yaml';

export interface TrialRecord {
  id: number;
  params: Record<string, number | string | boolean>;
  status: string;
  value?: number;
  log?: string;
  started?: string;
  finished?: string;
}

const scalar = (v: unknown): string => stringify(v, { lineWidth: 0 }).trimEnd();

/** Block-mapping lines for a trial (params as one flow mapping), the first line without indentation. */
function renderTrial(t: TrialRecord, indent: string): string {
  const params = `{ ${Object.entries(t.params).map(([k, v]) => `${k}: ${scalar(v)}`).join(', ')} }`;
  const lines = [`id: ${t.id}`, `params: ${params}`, `status: ${t.status}`];
  if (t.value !== undefined) lines.push(`value: ${scalar(t.value)}`);
  if (t.log !== undefined) lines.push(`log: ${scalar(t.log)}`);
  if (t.started !== undefined) lines.push(`started: ${scalar(t.started)}`);
  if (t.finished !== undefined) lines.push(`finished: ${scalar(t.finished)}`);
  return lines.join(`\n${indent}`);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The file's text with the trial appended to `trials:` (created when missing). */
export function appendTrialText(text: string, trial: TrialRecord): string {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (!isMap(doc.contents)) throw new Error('The experiment file is not a YAML mapping.');
  const pair = doc.contents.items.find((p) => (p.key as { value?: unknown } | null)?.value === 'trials');
  const value = pair?.value as Node | null | undefined;
  if (pair && isSeq(value) && !value.flow && value.items.length > 0) {
    const first = value.items[0] as Node;
    const dash = lineStart(text, first.range![0]);
    const indent = text.slice(dash, first.range![0] - 2);
    const end = value.range![1];
    const insertAt = end;
    const prefix = text[insertAt - 1] === '\n' ? '' : '\n';
    return `${text.slice(0, insertAt)}${prefix}${indent}- ${renderTrial(trial, indent + '  ')}\n${text.slice(insertAt)}`;
  }
  const block = `\n  - ${renderTrial(trial, '    ')}`;
  if (pair && (value === null || value === undefined || (isSeq(value) && value.items.length === 0) || (value as { value?: unknown }).value === null)) {
    const keyEnd = (pair.key as Node).range![1];
    const colon = text.indexOf(':', keyEnd);
    const valueEnd = value && value.range ? value.range[1] : colon + 1;
    return `${text.slice(0, colon + 1)}${block}${text.slice(Math.max(valueEnd, colon + 1))}`;
  }
  if (pair) throw new Error('"trials" must be a list to append a trial to it.');
  return `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}trials:${block}\n`;
}

/** The file's text with the trial whose id matches rewritten in place. */
export function replaceTrialText(text: string, trial: TrialRecord): string {
  const doc = parseDocument(text, { keepSourceTokens: true });
  const seq = doc.get('trials', true);
  if (!isSeq(seq)) throw new Error('The experiment file has no trials list.');
  const item = seq.items.find((i) => isMap(i) && Number(i.get('id')) === trial.id) as Node | undefined;
  if (!item?.range) throw new Error(`No trial with id ${trial.id} in the file.`);
  const [start, end] = item.range;
  const indent = text.slice(lineStart(text, start), start).replace(/[^ ]/g, ' ');
  const trailing = /\s*$/.exec(text.slice(start, end))![0]; // the node's range may include its line break
  const body = isMap(item) && item.flow ? `{ ${renderTrial(trial, '').split('\n').join(', ')} }` : renderTrial(trial, indent);
  return `${text.slice(0, start)}${body}${trailing}${text.slice(end)}`;
}
