// Hover for experiment files: what a key means (from the schema), what an enum value does, a parameter's
// type and range, where a trial's value sits in its range, and what a `${...}` placeholder expands to.
import { structureParameters, RUN_PLACEHOLDER, TRIAL_PLACEHOLDER, type Parameter } from './experiment';
import { enumDescription, formatPath, schemaAtPath, schemaTypes } from './experimentSchema';
import { escapeMarkdown, markdownCode } from '../shared/markdown';
import { structureOf, type YamlStructure } from './structure';
import type { OffsetRange } from './text';
import { formatNumber } from '../shared/numbers';
import { findPlaceholders } from '../shared/placeholders';

export interface HoverResult {
  /** Markdown content. */
  markdown: string;
  /** The hovered key or value. */
  range: OffsetRange;
}

// Bounds and values as written in the file, to 6 significant digits (shared/numbers: the one number format).
const fmt = (v: number): string => formatNumber(v, 6);

// Every string from the file (names, choices, values) is escaped: the editor renders this Markdown.
function describeParameter(p: Parameter): string {
  if (p.type === 'categorical') return `**${escapeMarkdown(p.name)}** — categorical: ${p.choices.map((c) => markdownCode(String(c))).join(', ')}`;
  return `**${escapeMarkdown(p.name)}** — ${p.type} in \\[${fmt(p.low)}, ${fmt(p.high)}\\]${p.scale === 'log' ? ' on a log scale' : ''}`;
}

function positionInRange(p: Parameter, v: unknown): string | undefined {
  if (p.type === 'categorical' || typeof v !== 'number') return undefined;
  if (v < p.low || v > p.high) return `${fmt(v)} is **outside** the range.`;
  const u = p.scale === 'log' ? (Math.log(v) - Math.log(p.low)) / (Math.log(p.high) - Math.log(p.low)) : (v - p.low) / (p.high - p.low);
  return `${fmt(v)} sits at ${Math.round(u * 100)}% of the range${p.scale === 'log' ? ' (in log space)' : ''}.`;
}

/** Hover markdown at `offset` in an experiment file, or undefined when there is nothing to explain there. */
export function hoverAt(input: string | YamlStructure, offset: number): HoverResult | undefined {
  try {
    return hover(typeof input === 'string' ? structureOf(input) : input, offset);
  } catch {
    return undefined;
  }
}

function hover(structure: YamlStructure, offset: number): HoverResult | undefined {
  const { text } = structure;
  const target = structure.at(offset);
  if (!target) return undefined;
  const range = target.range;
  const path = target.path;
  const params = () => structureParameters(structure);
  const isParamName = path.length === 2 && path[0] === 'search_space';
  const isTrialParam = path.length === 4 && path[0] === 'trials' && path[2] === 'params';

  if (target.kind === 'key') {
    if (isParamName || isTrialParam) {
      const p = params().find((q) => q.name === path[path.length - 1]);
      return p ? { markdown: `${describeParameter(p)}\n\nUse ${markdownCode(`\${${p.name}}`)} in \`run\` to pass it to the command.`, range } : undefined;
    }
    const schema = schemaAtPath(path);
    if (!schema) return undefined;
    const types = schemaTypes(schema).join(' | ');
    const values = schema.enum ? ` — one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}` : types ? ` — ${types}` : '';
    return { markdown: `**${markdownCode(formatPath(path))}**${values}\n\n${schema.description ?? ''}`.trim(), range };
  }

  // A placeholder inside a string, e.g. in run.command.
  if (typeof target.value === 'string' && path[0] === 'run') {
    const source = text.slice(range.start, range.end);
    for (const m of findPlaceholders(source)) {
      const start = range.start + m.start;
      if (offset < start || offset > range.start + m.end) continue;
      const name = m.name;
      const placeholderRange = { start, end: range.start + m.end };
      if (name === TRIAL_PLACEHOLDER) return { markdown: '`${trial}` — the trial\'s id.', range: placeholderRange };
      if (name === RUN_PLACEHOLDER) return { markdown: '`${run}` — the id of the trial\'s run, new each time it runs (recorded as the trial\'s `run`): a log path with it is that run\'s alone.', range: placeholderRange };
      const p = params().find((q) => q.name === name);
      return {
        markdown: p ? `${markdownCode(`\${${name}}`)} — the trial's value of ${describeParameter(p)}` : `${markdownCode(`\${${name}}`)} names no parameter of search_space.`,
        range: placeholderRange,
      };
    }
  }
  if (isTrialParam) {
    const p = params().find((q) => q.name === path[3]);
    if (!p) return undefined;
    const where = positionInRange(p, target.value);
    return { markdown: `${describeParameter(p)}${where ? `\n\n${where}` : ''}`, range };
  }
  const schema = schemaAtPath(path);
  if (!schema) return undefined;
  const described = enumDescription(schema, target.value);
  if (described) return { markdown: `**${markdownCode(String(target.value))}** (${markdownCode(formatPath(path))})\n\n${described}`, range };
  return schema.description ? { markdown: `**${markdownCode(formatPath(path))}**\n\n${schema.description}`, range } : undefined;
}
