// Custom LSP messages between the client and the HyperBO language server. Declared once, used by both.
import { NotificationType, ProtocolRequestType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { PartialResultParams, WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type {
  ExperimentSummary,
  Params as Configuration,
  PosteriorResult,
  ProvenanceResult,
  RunPlan,
  SuggestResult,
  TextEditDTO,
  TrialDTO,
  TrialHistoryResult,
  TrialStatus,
} from './dto';

export interface UriParams {
  /** The experiment file's URI. */
  uri: string;
}

/** client → server: the next configuration(s) with predicted mean ± sd and acquisition value. */
export namespace SuggestRequest {
  export const method = 'hyperbo/suggest' as const;
  export interface Params extends UriParams, WorkDoneProgressParams {
    count?: number;
  }
  export const type = new ProtocolRequestType<Params, SuggestResult, never, void, void>(method);
}

/** client → server: 1-D slices and an optional 2-D grid of the posterior, for plotting. */
export namespace PosteriorRequest {
  export const method = 'hyperbo/posterior' as const;
  export interface Params extends UriParams {
    anchor?: 'best' | 'suggested';
    /** Parameter pair for the contour plot. */
    pair?: [string, string];
    resolution?: number;
    includePrior?: boolean;
  }
  export const type = new RequestType<Params, PosteriorResult, void>(method);
}

/** client → server: all trials with their learning curves. */
export namespace TrialHistoryRequest {
  export const method = 'hyperbo/trialHistory' as const;
  export const type = new RequestType<UriParams, TrialHistoryResult, void>(method);
}

/** client → server: what the prior learned from and how well it fits this task. */
export namespace ProvenanceRequest {
  export const method = 'hyperbo/provenance' as const;
  export const type = new RequestType<UriParams, ProvenanceResult, void>(method);
}

/** client → server: pre-train (or load from cache) the experiment's prior, with work-done progress and cancellation. */
export namespace PretrainRequest {
  export const method = 'hyperbo/pretrain' as const;
  export interface Params extends UriParams, WorkDoneProgressParams, PartialResultParams {
    /** Ignore the cache and train again. */
    force?: boolean;
  }
  export const type = new ProtocolRequestType<Params, ProvenanceResult, never, void, void>(method);
}

/** client → server: every experiment in the workspace. */
export namespace ListExperimentsRequest {
  export const method = 'hyperbo/listExperiments' as const;
  export const type = new RequestType0<ExperimentSummary[], void>(method);
}

/** client → server: the edit that appends a trial (a given configuration, or suggestion #index) under `trials:`. */
export namespace AddTrialEditRequest {
  export const method = 'hyperbo/addTrialEdit' as const;
  export interface Params extends UriParams {
    params: Configuration;
    status?: TrialStatus;
    /**
     * The file's text to compute the edit on (the client read it from disk while holding the file's lock, so the edit
     * never lands on a stale copy); omitted: the text the server holds.
     */
    text?: string;
  }
  export interface Result {
    trialId: number;
    edits: TextEditDTO[];
  }
  export const type = new RequestType<AddTrialEditRequest.Params, Result, void>(method);
}

/**
 * client → server: the edit that appends suggestion #index (of the batch of `count` the user was shown, so
 * the same cached batch answers) as a pending trial. The client applies it as a WorkspaceEdit (undo works).
 */
export namespace ApplySuggestionRequest {
  export const method = 'hyperbo/applySuggestion' as const;
  export interface Params extends UriParams {
    index: number;
    /** How many suggestions the user was shown (default index + 1). */
    count?: number;
  }
  export interface Result {
    trialId: number;
    params: Configuration;
    edits: TextEditDTO[];
  }
  export const type = new RequestType<ApplySuggestionRequest.Params, Result, void>(method);
}

/** client → server: where a trial's entry is in the experiment file (Reveal Trial in File); null when absent. */
export namespace TrialLocationRequest {
  export const method = 'hyperbo/trialLocation' as const;
  export interface Params extends UriParams {
    trialId: number;
  }
  export interface Result {
    /** The trial item, from its first key to the end of its last value. */
    range: TextEditDTO['range'];
  }
  export const type = new RequestType<TrialLocationRequest.Params, Result | null, void>(method);
}

/**
 * client → server: ghost text for the next trial at a blank line inside the `trials` block, written exactly as
 * Apply would write it; null when the cursor is elsewhere or there is no suggestion.
 */
export namespace InlineTrialRequest {
  export const method = 'hyperbo/inlineTrial' as const;
  export interface Params extends UriParams {
    position: { line: number; character: number };
    /** The document version the position refers to; the server answers null when its text is another. */
    version?: number;
    count?: number;
  }
  export interface Result {
    /** Replace this span of the cursor's line (only whitespace) with `insertText`. */
    range: TextEditDTO['range'];
    insertText: string;
    /** Set when the trials line ends in `[]`, which must go once the block item is inserted. */
    removeEmptyFlow?: TextEditDTO['range'];
  }
  export const type = new RequestType<InlineTrialRequest.Params, Result | null, void>(method);
}

/** client → server: the edit that updates one trial's status/value/timestamps in place. */
export namespace UpdateTrialEditRequest {
  export const method = 'hyperbo/updateTrialEdit' as const;
  export interface Params extends UriParams {
    trialId: number;
    status: TrialStatus;
    /** Omitted: the server fills the value from the trial's log when the status is completed. */
    value?: number;
    started?: string;
    finished?: string;
    /** Why a trial failed (exit code, stopped by the user); written as the trial's `reason`. */
    reason?: string;
    /** The scheduler's job id, written when the job is submitted (run.scheduler: slurm). */
    job?: string;
    /**
     * The run's process (group leader) pid, written right after it started together with `started`, so a later
     * session can tell a stray run (src/files/trialProcesses.ts); null removes it when the run has ended.
     */
    pid?: number | null;
    /**
     * The file's text to compute the edit on (the client read it from disk while holding the file's lock, so the edit
     * never lands on a stale copy); omitted: the text the server holds.
     */
    text?: string;
    /** The id of the run that starts (the run plan's `run`), written as the trial's `run`. */
    run?: string;
    /** Of a stopped trial (run.stopping): the step it was stopped at; `value` is its value there. */
    step?: number;
    /**
     * Settling a trial whose tune (this pid) died before recording its command's pid: when its log gives no value,
     * the failure's reason names that tune as `hyperbo tune` writes it (runnerGoneReason, src/files/trialProcesses.ts).
     */
    runnerGone?: number;
  }
  export interface Result {
    edits: TextEditDTO[];
    /** The status actually written: a completed run whose log diverged is written as diverged. */
    status: TrialStatus;
    value?: number;
  }
  export const type = new RequestType<UpdateTrialEditRequest.Params, Result, void>(method);
}

/** client → server: the command line, working directory and log path to run a trial. */
export namespace RunPlanRequest {
  export const method = 'hyperbo/runPlan' as const;
  export interface Params extends UriParams {
    trialId: number;
    /** Re-attaching to the trial's recorded job: the plan of the run it records (its run id and log), not a new run. */
    attach?: boolean;
  }
  export const type = new RequestType<RunPlanRequest.Params, RunPlan, void>(method);
}

/** server → client: the workspace's experiments changed (tree view, status item). */
export namespace ExperimentsChangedNotification {
  export const method = 'hyperbo/experimentsChanged' as const;
  export const type = new NotificationType<ExperimentSummary[]>(method);
}

/** server → client: a trial's log grew or its state changed (live learning curves). */
export namespace TrialUpdatedNotification {
  export const method = 'hyperbo/trialUpdated' as const;
  export interface Params extends UriParams {
    trial: TrialDTO;
  }
  export const type = new NotificationType<TrialUpdatedNotification.Params>(method);
}

/** server → client: what the engine is busy with, for the status item. */
export namespace ServerStatusNotification {
  export const method = 'hyperbo/serverStatus' as const;
  export interface Params {
    state: 'idle' | 'pretraining' | 'suggesting' | 'error';
    message?: string;
  }
  export const type = new NotificationType<ServerStatusNotification.Params>(method);
}


/** One study found in a history source, and how it maps onto the experiment's search space. */
export interface HistoryStudyDTO {
  name: string;
  /** Completed trials, and those that did not complete (left out). */
  trials: number;
  incomplete: number;
  /** Completed trials that fit the search space with a finite metric. */
  usable: number;
  /** The study's metric used for the experiment's metric. */
  metric?: string;
  /** Search-space parameters the study sets. */
  mapped: string[];
  /** Parameters the study varied that the search space lacks (reported, not learned from). */
  unmapped: string[];
  /** Search-space parameters it never sets. */
  missing: string[];
  /** Why it cannot be used, when it cannot. */
  unusable?: string;
}

/** A tuning-history source found in the workspace. */
export interface HistorySourceDTO {
  /** The prior.from entry for it, relative to the experiment file's folder. */
  entry: string;
  /** e.g. "Optuna storage (SQLite)". */
  format: string;
  studies: HistoryStudyDTO[];
  /** prior.from already names it. */
  listed: boolean;
  /** Why it could not be read, when it could not. */
  error?: string;
}

/**
 * client → server: the tuning history (Optuna, MLflow, Ray Tune, Lightning, Keras Tuner, CSV) found under the
 * experiment file's folder (a bounded scan), each source mapped onto the experiment's search space.
 */
export namespace FindHistoryRequest {
  export const method = 'hyperbo/findHistory' as const;
  export interface Result {
    sources: HistorySourceDTO[];
    /** The scan stopped at its bound; sources further down were not looked at. */
    truncated: boolean;
  }
  export const type = new RequestType<UriParams, Result, void>(method);
}

/** client → server: the edit adding entries to the experiment's prior.from (applied as a WorkspaceEdit). */
export namespace AddPriorSourcesEditRequest {
  export const method = 'hyperbo/addPriorSourcesEdit' as const;
  export interface Params extends UriParams {
    entries: string[];
    /**
     * The file's text to compute the edit on (the client read it from disk while holding the file's lock, so the edit
     * never lands on a stale copy); omitted: the text the server holds.
     */
    text?: string;
  }
  export interface Result {
    added: string[];
    edits: TextEditDTO[];
  }
  export const type = new RequestType<AddPriorSourcesEditRequest.Params, Result, void>(method);
}

/**
 * Files whose changes the server needs to hear about: experiment files and trial logs (text logs of any of the
 * formats the tail reads: .jsonl/.csv/.log/.txt/.out/.json, gzipped data files, TensorBoard event files). The
 * client's file watchers and the server's dynamic registration both use this one list.
 */
export const WATCHED_FILE_GLOBS: readonly string[] = ['**/*.hyperbo.yaml', '**/*.{jsonl,csv,log,txt,out,json,gz}', '**/events.out.tfevents.*'];
