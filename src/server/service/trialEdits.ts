// The edits and locations the client asks for instead of reading YAML: the text edit that appends a trial (a
// configuration, or suggestion #i of the batch the user saw) or updates one when its run starts or ends, where a
// trial's entry is, and the ghost text of the next trial. All are computed on the YAML structure index
// (formats/structure.ts) of the text the server holds (the editor's when the document is open), or of the text the
// client sends (the file as read from disk under its lock). The client applies the edits as a WorkspaceEdit, so undo
// works and nothing else in the file is reformatted. Connection-free: handlers/edits.ts only passes requests on.
import { SearchSpace } from '../../engine';
import { runnerGoneReason } from '../../files/trialProcesses';
import { appendTrialEdit, inlineTrialPlacement, isInTrialsBlock, toLspEdit, updateTrialEdit, type TrialChanges } from '../../formats/edits';
import { structureOf } from '../../formats/structure';
import { experimentName, paramSpecsOf } from '../../priors/experiment';
import { lastRunChanges } from '../../session/lastRun';
import type { Params } from '../../shared/dto';
import type { AddTrialEditRequest, ApplySuggestionRequest, InlineTrialRequest, TrialLocationRequest, UpdateTrialEditRequest } from '../../shared/protocol';
import { UserError } from './errors';
import type { ModelQueries } from './modelQueries';
import type { TrialState } from './trialState';
import type { ExperimentEntry, WorkspaceIndex } from './workspaceIndex';

/** Suggestions are computed in batches of at most this many (the suggestions panel's largest). */
export const MAX_SUGGESTIONS = 16;

const batchSize = (index: number, count: number | undefined): number => Math.min(MAX_SUGGESTIONS, Math.max(index + 1, Math.trunc(count ?? 1)));

export interface TrialEditsOptions {
  index: WorkspaceIndex;
  queries: ModelQueries;
  trials: TrialState;
}

export class TrialEdits {
  constructor(private readonly options: TrialEditsOptions) {}

  private entry(uri: string): ExperimentEntry {
    const entry = this.options.index.get(uri);
    if (!entry) throw new UserError(`No experiment file ${uri} in the workspace.`);
    return entry;
  }

  /** The edit appending a pending trial with these parameters, on `text` (default: the text the server holds). */
  addTrial(uri: string, params: Params, text?: string): AddTrialEditRequest.Result {
    const entry = this.entry(uri);
    const experiment = entry.experiment;
    if (!experiment) throw new UserError('The experiment file has errors; fix them before adding a trial.');
    if (!new SearchSpace(paramSpecsOf(experiment.searchSpace)).contains(params)) {
      throw new UserError(`The configuration ${JSON.stringify(params)} is outside the search space of ${experimentName(experiment)}.`);
    }
    const source = text ?? entry.text;
    const structure = structureOf(source);
    const result = appendTrialEdit(structure, { params, status: 'pending' });
    if (!result.ok) throw new UserError(result.message);
    return { trialId: result.trialId, edits: [toLspEdit(source, result.edit, structure.lines)] };
  }

  /** The edit appending suggestion #index of the batch of `count` the user was shown (the same cached batch). */
  async applySuggestion(uri: string, index: number, count?: number, signal?: AbortSignal): Promise<ApplySuggestionRequest.Result> {
    if (!Number.isInteger(index) || index < 0 || index >= MAX_SUGGESTIONS) throw new UserError(`There is no suggestion #${index}.`);
    const result = await this.options.queries.suggest(uri, batchSize(index, count), signal);
    const suggestion = result.suggestions[index];
    if (!suggestion) throw new UserError(`There are ${result.suggestions.length} suggestion(s) for ${result.experiment}, not #${index + 1}.`);
    // On the text as it is now: the suggestion may have taken a while.
    return { ...this.addTrial(uri, suggestion.params), params: suggestion.params };
  }

  /** Where the trial's entry is in the current text; null when the text has no such trial. */
  trialLocation(uri: string, trialId: number): TrialLocationRequest.Result | null {
    const structure = structureOf(this.entry(uri).text);
    const trial = structure.trial(trialId);
    return trial ? { range: structure.lines.rangeAt(trial.range) } : null;
  }

  /**
   * Ghost text for the next trial at `position`, written as Apply writes it: only on a blank line inside the trials
   * block of the text of `version` (when given), and only when that text is unchanged once the suggestion is ready.
   */
  async inlineTrial(uri: string, position: InlineTrialRequest.Params['position'], options: { version?: number; count?: number; signal?: AbortSignal } = {}): Promise<InlineTrialRequest.Result | null> {
    const entry = this.options.index.get(uri);
    if (!entry?.experiment || (options.version !== undefined && entry.version !== undefined && entry.version !== options.version)) return null;
    const before = entry.text;
    const structure = structureOf(before);
    // Cheap checks first: a suggestion is only computed for a blank line inside the trials block.
    const line = position.line;
    const lineText = before.split(/\r\n|\r|\n/)[line];
    if (lineText === undefined || lineText.trim() !== '' || !isInTrialsBlock(structure, line)) return null;
    const result = await this.options.queries.suggest(uri, batchSize(0, options.count), options.signal);
    const suggestion = result.suggestions[0];
    if (!suggestion || options.signal?.aborted || this.options.index.get(uri)?.text !== before) return null;
    const add = appendTrialEdit(structure, { params: suggestion.params, status: 'pending' });
    if (!add.ok) return null;
    const placement = inlineTrialPlacement(structure, line, add.edit);
    if (!placement) return null;
    return {
      range: structure.lines.rangeAt(placement.range),
      insertText: placement.insertText,
      ...(placement.removeEmptyFlow ? { removeEmptyFlow: structure.lines.rangeAt(placement.removeEmptyFlow) } : {}),
    };
  }

  /**
   * The edit recording a run's start or end in its trial. A completed run without a value gets its value from its own
   * log, read to its last line (a diverged log, or one without the objective, changes the status); the trial's fields
   * then describe this run only (a completed rerun drops the old failure reason).
   */
  async updateTrial(request: UpdateTrialEditRequest.Params): Promise<UpdateTrialEditRequest.Result> {
    const { uri, trialId } = request;
    const entry = this.entry(uri);
    await this.options.trials.readEndedLog(uri, trialId);
    let { status, value, reason } = request;
    if (value === undefined && status === 'completed') ({ status, value, reason } = this.options.trials.outcome(uri, trialId, status));
    if (status === 'failed' && request.runnerGone !== undefined) reason = runnerGoneReason(request.runnerGone, reason);
    const changes: TrialChanges = { status };
    if (value !== undefined) changes.value = value;
    if (reason !== undefined) changes.reason = reason;
    if (request.started !== undefined) changes.started = request.started;
    if (request.finished !== undefined) changes.finished = request.finished;
    if (request.job !== undefined) changes.job = request.job;
    if (request.pid !== undefined) changes.pid = request.pid;
    if (request.run !== undefined) changes.run = request.run;
    if (request.step !== undefined) changes.step = request.step;
    // On the text the client read under the file's lock when it sent one (else the server's).
    const text = request.text ?? entry.text;
    const structure = structureOf(text);
    const result = updateTrialEdit(structure, trialId, lastRunChanges(changes));
    if (!result.ok) throw new UserError(result.message);
    return { edits: [toLspEdit(text, result.edit, structure.lines)], status, ...(value !== undefined ? { value } : {}) };
  }
}
