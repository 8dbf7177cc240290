// Text formatting shared by every panel (numbers: shared/numbers, the editor's and the CLI's rule too). Pure: runs in Node for the unit tests.
import type { Goal } from '../../shared/dto';

export function goalWord(goal: Goal): string {
  return goal === 'minimize' ? 'lower is better' : 'higher is better';
}

/** True when `a` is a better objective value than `b` under `goal`. */
export function isBetter(a: number, b: number, goal: Goal): boolean {
  return goal === 'minimize' ? a < b : a > b;
}

/** Plotly renders a subset of HTML in every text it draws; workspace strings go through this so they show literally. */
export function plotText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Seconds between two ISO timestamps as "1m 05s"; '—' when either is missing or unparsable. */
export function formatDuration(started?: string, finished?: string): string {
  if (!started || !finished) return '—';
  const ms = Date.parse(finished) - Date.parse(started);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}
