// Messages between webview panels and the extension host. Dependency-free: bundled into the browser build.
import type { PosteriorResult, SuggestResult, TrialDTO, TrialHistoryResult, ProvenanceResult } from './dto';

export type PanelKind = 'suggestions' | 'posterior' | 'history' | 'provenance';

/** Host → webview. */
export type ToWebview =
  | { type: 'loading'; message: string }
  | { type: 'error'; message: string }
  | { type: 'suggestions'; data: SuggestResult }
  | { type: 'posterior'; data: PosteriorResult }
  | { type: 'history'; data: TrialHistoryResult }
  | { type: 'trialUpdated'; trial: TrialDTO }
  /** `file`: the experiment file as the user knows it (workspace-relative); the page shows data.uri without it. */
  | { type: 'provenance'; data: ProvenanceResult; file?: string };

/** Webview → host. Every panel sends `ready` once its script runs; the host sends data only after it. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'apply'; index: number }
  | { type: 'applyAndRun'; index: number }
  /** Tune… (the command) on the panel's experiment. */
  | { type: 'tune' }
  | { type: 'posteriorOptions'; pair?: [string, string]; includePrior: boolean; anchor: 'best' | 'suggested' }
  | { type: 'openLog'; trialId: number }
  | { type: 'revealTrial'; trialId: number }
  | { type: 'compareTrial'; trialId: number };

/** Persisted with `setState` so a panel restores after a reload. */
export interface WebviewState {
  panel: PanelKind;
  uri: string;
}
