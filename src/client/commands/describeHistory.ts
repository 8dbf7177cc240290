// The Import Tuning History quick pick's detail line for a found source: per study, how many trials it brings,
// then what needs the user's eye first (parameters the search space lacks), its metric and how it maps. Pure
// (no vscode), so its wording is unit-tested; the line is cut at the quick pick's width, so the order matters.
import type { HistorySourceDTO } from '../../shared/protocol';

export function describeSource(source: HistorySourceDTO): string {
  if (source.error) return `cannot be read: ${source.error}`;
  return source.studies
    .map((s) => {
      const head = `${s.name}: ${s.usable}/${s.trials} trials usable${s.incomplete ? ` (+${s.incomplete} incomplete)` : ''}`;
      if (s.unusable) return `${head} — ${s.unusable}`;
      const parts: string[] = [];
      if (s.unmapped.length) parts.push(`not in the search space: ${s.unmapped.join(', ')}`);
      if (s.metric) parts.push(`metric ${s.metric}`);
      parts.push(s.missing.length === 0 ? 'sets every parameter' : `sets ${s.mapped.join(', ')}; never sets ${s.missing.join(', ')}`);
      return `${head}; ${parts.join('; ')}`;
    })
    .join(' · ');
}
