// Editor features on experiment files: code lenses (the next suggestion above `trials:`, each trial's status and
// value), hovers (the posterior at a trial's parameters, plus the format's key docs) and completion (from the
// formats module). Where things are comes from the current text's structure index; what they are from the
// experiment's (last good) state.
import type { CodeLens, CompletionItem, Hover, Position } from 'vscode-languageserver-types';
import { launchSpec } from '../../formats/experiment';
import { structureOf } from '../../formats/structure';
import type { SuggestResult, TrialDTO } from '../../shared/dto';
import { escapeMarkdown } from '../../shared/markdown';
import { formatMeanSd, formatNumber, formatParams } from '../../shared/numbers';
import { statusText } from '../../shared/trialStatus';
import { formatCompletions, formatHover } from './formatFeatures';
import type { ModelQueries } from './modelQueries';
import type { ExperimentEntry, WorkspaceIndex } from './workspaceIndex';

export const APPLY_SUGGESTION_COMMAND = 'hyperbo.applySuggestion';
export const APPLY_AND_RUN_COMMAND = 'hyperbo.applyAndRun';
export const TUNE_COMMAND = 'hyperbo.tune';
/**
 * The lens above `trials:` while the suggestion is still being computed (lenses are refreshed when it is ready). A
 * codicon, not an emoji: the editor draws it in the theme's colours, and fonts without colour emoji showed a box.
 */
export const COMPUTING_SUGGESTION_TITLE = '$(sync~spin) computing the next suggestion…';
/**
 * How long a code lens request waits for the suggestion before it answers with COMPUTING_SUGGESTION_TITLE: the
 * trials' lenses should not wait for a model (a cold one at thousands of trials takes a second or more).
 */
export const LENS_SUGGESTION_WAIT_MS = 200;

/**
 * "▶ next: lr=0.031 momentum=0.93  predicted 0.212 ± 0.018"; a point of the initial design says so instead of its
 * prediction (before any result that is the default prior's "0 ± 1", which reads as a forecast).
 */
export function suggestionTitle(result: SuggestResult): string {
  const s = result.suggestions[0]!;
  if (s.initialDesign) return `▶ next: ${formatParams(s.params)}  (space-filling start: the first trials spread over the search space)`;
  return `▶ next: ${formatParams(s.params)}  predicted ${formatMeanSd(s.predictedMean, s.predictedSd)}`;
}

export function trialTitle(trial: TrialDTO, metric: string): string {
  const icon = { completed: '✓', running: '⟳', pending: '…', failed: '✗', diverged: '⚠', stopped: '■' }[trial.status];
  let title = `${icon} trial ${trial.id}: ${statusText(trial)}`;
  if (trial.value !== undefined) title += ` · ${metric} ${formatNumber(trial.value)}`;
  else if (trial.status === 'running' && trial.curve?.length) {
    const last = trial.curve[trial.curve.length - 1]!;
    title += ` · step ${last.step}: ${metric} ${formatNumber(last.value)}`;
  }
  if (trial.reason && (trial.status === 'failed' || trial.status === 'diverged')) title += ` — ${trial.reason}`;
  return title;
}

export interface EditorFeatureOptions {
  index: WorkspaceIndex;
  queries: ModelQueries;
  /** An experiment's trials as the server reports them (the file refined by the logs). */
  trials: (entry: ExperimentEntry) => TrialDTO[];
  /** Metric names the experiment's trial logs have written (completing objective.metric). */
  metricNames: (uri: string) => string[];
  /** Code lenses should be requested again: a suggestion a lens did not wait for is ready (or failed). */
  lensesChanged?: () => void;
  /** Milliseconds a lens request waits for the suggestion (default LENS_SUGGESTION_WAIT_MS; Infinity: always). */
  suggestionWaitMs?: number;
}

/**
 * Code lenses, hovers and completions on experiment files, in LSP shapes but with no connection (the handlers in
 * handlers/editor.ts only pass the request on). `text` is the editor's text when the client sent it, else the
 * index's.
 */
export class EditorFeatures {
  /** Why the suggestion for an entry (one text version) failed after its lens stopped waiting: not computed again. */
  private readonly failedSuggestion = new WeakMap<ExperimentEntry, string>();

  constructor(private readonly options: EditorFeatureOptions) {}

  /** The lens's suggestion, or 'computing' when the worker has not finished it within the wait (the lenses refresh when it has). */
  private async lensSuggestion(uri: string, entry: ExperimentEntry, startedAt: number): Promise<SuggestResult | 'training' | 'no-prior-yet' | 'computing'> {
    const failed = this.failedSuggestion.get(entry);
    if (failed !== undefined) throw new Error(failed);
    const next = await this.options.queries.peekSuggestion(uri, { waitMs: this.options.suggestionWaitMs ?? LENS_SUGGESTION_WAIT_MS, startedAt });
    if (typeof next === 'string' || !('computing' in next)) return next;
    next.computing.then(
      () => this.options.lensesChanged?.(),
      (e: Error) => {
        this.failedSuggestion.set(entry, e.message);
        this.options.lensesChanged?.();
      },
    );
    return 'computing';
  }

  /** The next suggestion above `trials:` (or why there is none yet), and each trial's status and value. */
  async codeLenses(uri: string): Promise<CodeLens[]> {
    const startedAt = performance.now();
    const { index, trials } = this.options;
    const entry = index.get(uri);
    const experiment = entry?.experiment;
    if (!entry || !experiment) return [];
    // Where things are comes from the current text's structure index; what they are from the (last good) experiment.
    const structure = structureOf(entry.text);
    const lenses: CodeLens[] = [];
    const keyStart = structure.trialsBlock?.keyRange.start;
    const line = keyStart !== undefined ? structure.lines.positionAt(keyStart).line : Math.max(0, structure.lines.lineCount - 1);
    const at = { start: { line, character: 0 }, end: { line, character: 0 } };
    try {
      const next = await this.lensSuggestion(uri, entry, startedAt);
      if (next === 'computing') {
        lenses.push({ range: at, command: { title: COMPUTING_SUGGESTION_TITLE, command: '' } });
      } else if (next === 'training') {
        lenses.push({ range: at, command: { title: '$(sync~spin) pre-training the prior for the next suggestion…', command: '' } });
      } else if (next === 'no-prior-yet') {
        lenses.push({ range: at, command: { title: '▶ pre-train the prior to get a suggestion', command: 'hyperbo.pretrain', arguments: [uri] } });
      } else if (next.suggestions.length > 0) {
        lenses.push({ range: at, command: { title: suggestionTitle(next), command: APPLY_SUGGESTION_COMMAND, arguments: [uri, 0] } });
        lenses.push({ range: at, command: { title: 'Apply & Run', command: APPLY_AND_RUN_COMMAND, arguments: [uri, 0] } });
        if (launchSpec(experiment)) lenses.push({ range: at, command: { title: 'Tune…', command: TUNE_COMMAND, arguments: [uri] } });
      }
    } catch (e) {
      lenses.push({ range: at, command: { title: `⚠ no suggestion: ${(e as Error).message}`, command: '' } });
    }
    for (const t of trials(entry)) {
      const item = structure.trial(t.id);
      if (!item) continue; // in the last good state but no longer in the text
      const start = structure.lines.positionAt(item.range.start);
      lenses.push({ range: { start, end: start }, command: { title: trialTitle(t, experiment.objective.metric), command: '' } });
    }
    return lenses;
  }

  /** The format's documentation of the key under the cursor and the posterior at the trial under it. */
  async hover(uri: string, position: Position, text?: string): Promise<Hover | null> {
    const parts: string[] = [];
    const keyDoc = formatHover(text ?? this.options.index.get(uri)?.text ?? '', position);
    if (keyDoc) parts.push(keyDoc);
    try {
      const posterior = await this.trialHover(uri, position);
      if (posterior) parts.push(posterior);
    } catch (e) {
      parts.push(`_No posterior here: ${escapeMarkdown((e as Error).message)}_`);
    }
    return parts.length ? { contents: { kind: 'markdown', value: parts.join('\n\n---\n\n') } } : null;
  }

  completions(uri: string, position: Position, text?: string): CompletionItem[] {
    return formatCompletions(text ?? this.options.index.get(uri)?.text ?? '', position, this.options.metricNames(uri));
  }

  /** The posterior at the parameters of the trial under the cursor. */
  private async trialHover(uri: string, position: Position): Promise<string | undefined> {
    const entry = this.options.index.get(uri);
    const experiment = entry?.experiment;
    if (!entry || !experiment) return undefined;
    const { metric } = experiment.objective;
    const structure = structureOf(entry.text);
    const id = structure.trialAt(structure.lines.offsetAt(position))?.id;
    const trial = id === undefined ? undefined : experiment.trials.find((t) => t.id === id);
    if (!trial || trial.outsideSpace) return undefined;
    const p = await this.options.queries.predictAt(uri, trial.params, trial.status === 'completed' ? trial.value : undefined);
    const basis = p.pretrained ? 'pre-trained prior' : 'GP fitted to this experiment';
    // A stopped run's record first: where it was stopped and why (the model takes its value as censored, see engine/study).
    const stopped =
      trial.status === 'stopped'
        ? `**Trial ${trial.id}**: ${statusText(trial)}` +
          (trial.value !== undefined ? ` · ${escapeMarkdown(metric)} ${formatNumber(trial.value)} there` : '') +
          (trial.reason ? ` — ${escapeMarkdown(trial.reason)}` : '') +
          '\n\n'
        : '';
    return (
      stopped +
      `**Trial ${trial.id}** — posterior ${escapeMarkdown(metric)} at these parameters: ` +
      `**${formatMeanSd(p.mean, p.sd)}**\n\n` +
      `_${basis}, conditioned on ${p.observations} completed trial${p.observations === 1 ? '' : 's'}` +
      (p.subset !== undefined ? ` (the GP uses a subset of ${p.subset} of them)_` : '_') +
      // As `hyperbo tune` names them after its trials (docs/experiment-format.md, Output rule).
      (p.infeasible
        ? `\n\nThe output rule treats ${escapeMarkdown(metric)} ${formatNumber(trial.value)} as **infeasible** (absurdly bad): ` +
          'the model fits it like a diverged run. `objective.tails: none` fits it as a number.'
        : '')
    );
  }
}
