// The workspace's pre-trained priors: what an experiment's prior learns from and its cache key (the shared pipeline
// in src/priors decides both, as for `hyperbo tune`), the `.hyperbo/priors` cache under the first workspace folder,
// and pre-training runs in the worker — one run per cache key, however many callers wait for it. Related
// experiments named in prior.from are read from the workspace index, their trials refined by their logs.
// No LSP connection: progress and cancellation are plain callbacks and an AbortSignal, events plain functions.
import * as path from 'node:path';
import { priorCoverageGaps, type CoverageGap, type ParamValue } from '../../engine';
import type { Experiment } from '../../formats/experiment';
import { ListingCancelledError, planPrior, PriorCache, PriorSourceError, type CachedPrior, type PriorPlan, type RelatedReader } from '../../priors';
import { experimentName, paramSpecsOf } from '../../priors/experiment';
import type { TrialDTO } from '../../shared/dto';
import type { JobRunner } from '../jobs/jobRunner';
import type { Diagnostic } from 'vscode-languageserver-types';
import { UserError } from './errors';
import type { ServerSettings } from './settings';
import { coverageDiagnostics, coverageFixes, type CoverageFix } from './priorCoverage';
import { listingDiagnostics, SourceListings } from './sourceListings';
import { pathToUri, type ExperimentEntry, type WorkspaceIndex } from './workspaceIndex';

export interface PretrainProgress {
  onProgress?: (fraction: number, message?: string) => void;
  signal?: AbortSignal;
  /** Train again even when the cache has the prior. */
  force?: boolean;
}

export interface PriorEvents {
  status?(state: 'idle' | 'pretraining' | 'error', message?: string): void;
  log?(message: string): void;
  /** A prior was trained and cached (suggestions made without it are out of date). */
  trained?(key: string): void;
  /** A listing of an experiment's prior.from finished (its diagnostics may have changed). */
  listed?(uri: string): void;
  /** The prior an experiment's model uses changed, and with it where that prior's training data fall short. */
  coverageChanged?(uri: string): void;
}

export interface PriorServiceOptions {
  /** The workspace folder whose `.hyperbo/priors` holds the cache; prior sources are named relative to it. */
  root: string;
  /** Every workspace folder: prior.from reads only inside them (and hyperbo.prior.allowAbsolutePaths). */
  roots?: readonly string[];
  index: WorkspaceIndex;
  /** An experiment's trials as the server reports them (the file refined by the logs). */
  trials: (entry: ExperimentEntry) => TrialDTO[];
  jobs: JobRunner;
  settings: () => Promise<ServerSettings>;
  events?: PriorEvents;
}

export class PriorService {
  readonly cache: PriorCache;
  /** prior.from listed in the background, per experiment. */
  readonly listings: SourceListings;
  private readonly training = new Map<string, Promise<CachedPrior>>();
  /** Per experiment, the prior its model last used (cache key), its space, and where that space reaches past its data. */
  private readonly coverage = new Map<string, { key: string; space: string; gaps: CoverageGap[] }>();
  private readonly events: PriorEvents;

  constructor(private readonly options: PriorServiceOptions) {
    this.cache = new PriorCache(options.root);
    this.events = options.events ?? {};
    this.listings = new SourceListings({
      roots: options.roots ?? [options.root],
      settings: options.settings,
      listed: (uri) => this.events.listed?.(uri),
      log: (message) => this.events.log?.(message),
    });
  }

  /**
   * What the experiment's prior learns from, and its cache key; undefined for a single-task GP (no prior.from).
   * prior.from naming nothing usable is the user's to fix (UserError).
   */
  async plan(fsPath: string, experiment: Experiment): Promise<PriorPlan | undefined> {
    const { pretrain } = await this.options.settings();
    const from = experiment.prior?.from ?? [];
    if (from.length === 0) return undefined;
    try {
      return await planPrior(fsPath, experiment, {
        root: this.cache.root,
        steps: pretrain.steps,
        optimizer: pretrain.optimizer,
        readRelated: this.relatedFromIndex,
        listing: await this.listings.get(fsPath, from),
      });
    } catch (error) {
      if (error instanceof PriorSourceError) {
        // Nothing usable listed: the next request lists again, so a file made or fixed since is seen.
        this.listings.markStale(pathToUri(fsPath));
        this.using(pathToUri(fsPath), undefined);
        throw new UserError(error.message);
      }
      if (error instanceof ListingCancelledError) {
        throw new UserError(`prior.from of ${path.basename(fsPath)} changed while it was being listed; ask again.`);
      }
      throw error;
    }
  }

  /** The cached prior for the plan, if trained. */
  async cached(plan: PriorPlan): Promise<CachedPrior | undefined> {
    return this.cache.get(plan.key);
  }

  /** The experiment's prior.from may have changed: list it in the background (no-op when current). */
  sourcesChanged(fsPath: string, experiment: Experiment | undefined): void {
    if (experiment) this.listings.update(fsPath, experiment.prior?.from ?? []);
    else {
      this.listings.forget(pathToUri(fsPath));
      this.coverage.delete(pathToUri(fsPath));
    }
  }

  /** Files were created or deleted, or the settings changed: list prior.from again (in the background). */
  filesChanged(): void {
    this.listings.invalidate();
  }

  /**
   * Diagnostics of the last listing of the experiment's prior.from, on the entries of `text`; and, while the search
   * space is the one the experiment's prior was trained on, where it reaches past that prior's training data.
   */
  diagnostics(uri: string, text: string, experiment?: Experiment): Diagnostic[] {
    return [...listingDiagnostics(text, this.listings.current(uri)), ...coverageDiagnostics(text, this.currentGaps(uri, experiment))];
  }

  /** Quick fixes for the coverage diagnostics of `text`: narrow a range, or drop the untried choices. */
  coverageFixes(uri: string, text: string, experiment?: Experiment): CoverageFix[] {
    return coverageFixes(text, this.currentGaps(uri, experiment));
  }

  /** The gaps of the prior the experiment last used, while its search space is the one that prior was trained on. */
  private currentGaps(uri: string, experiment: Experiment | undefined): CoverageGap[] {
    const known = this.coverage.get(uri);
    return known && experiment && JSON.stringify(paramSpecsOf(experiment.searchSpace)) === known.space ? known.gaps : [];
  }

  /**
   * The prior the experiment's model uses now (undefined: none yet, or a single-task GP). Called on every model
   * query (lens, hover): a prior already known by its cache key costs one comparison.
   */
  using(uri: string, prior: CachedPrior | undefined): void {
    if (this.coverage.get(uri)?.key === prior?.key) return;
    if (prior) this.coverage.set(uri, { key: prior.key, space: JSON.stringify(prior.loaded.file.space), gaps: priorCoverageGaps(prior.loaded) });
    else this.coverage.delete(uri);
    this.events.coverageChanged?.(uri);
  }

  dispose(): void {
    this.listings.dispose();
  }

  /** A pre-training run for the plan's key is under way. */
  isTraining(plan: PriorPlan): boolean {
    return this.training.has(plan.key);
  }

  /** The plan's prior: from the cache, else pre-trained in the worker (concurrent calls share one run). */
  ensure(plan: PriorPlan, progress: PretrainProgress = {}): Promise<CachedPrior> {
    const running = this.training.get(plan.key);
    if (running && !progress.force) {
      progress.onProgress?.(0, 'Waiting for the pre-training already running');
      return running;
    }
    // Registered before the cache is read, so a second call arriving during that read joins this one.
    const run: Promise<CachedPrior> = this.cachedOrTrained(plan, progress).finally(() => {
      if (this.training.get(plan.key) === run) this.training.delete(plan.key);
    });
    this.training.set(plan.key, run);
    return run;
  }

  private async cachedOrTrained(plan: PriorPlan, progress: PretrainProgress): Promise<CachedPrior> {
    if (!progress.force) {
      const cached = await this.cached(plan);
      if (cached) return cached;
    }
    const job = plan.input;
    this.events.status?.('pretraining', `Pre-training a prior on ${job.related.length + job.files.length} source(s)`);
    let trained: CachedPrior;
    try {
      const out = await this.options.jobs.run({ kind: 'pretrain', input: job }, { onProgress: progress.onProgress, signal: progress.signal });
      trained = await this.cache.put(plan.key, out.prior, { taskSources: out.taskSources, skipped: out.skipped });
    } finally {
      this.events.status?.('idle');
    }
    this.events.trained?.(plan.key);
    return trained;
  }

  /** Starts pre-training in the background (a code lens asked); a failure is logged and shown as the status. */
  startTraining(plan: PriorPlan, fsPath: string): void {
    if (this.isTraining(plan)) return;
    this.ensure(plan)
      .catch((e: Error) => {
        this.events.log?.(`Pre-training for ${path.basename(fsPath)} failed: ${e.message}`);
        this.events.status?.('error', e.message);
      });
  }

  /** A related experiment's completed trials with a finite value, as the workspace knows them. */
  private readonly relatedFromIndex: RelatedReader = async (file) => {
    const { index, trials } = this.options;
    const other = index.get(pathToUri(file)) ?? (await index.reloadFromDisk(pathToUri(file)));
    if (!other?.experiment) return { unusable: other ? 'it has errors' : 'it cannot be read' };
    const completed = trials(other)
      .filter((t) => t.status === 'completed' && Number.isFinite(t.value))
      .map((t) => ({ params: t.params as Record<string, ParamValue>, value: t.value! }));
    return { name: experimentName(other.experiment), trials: completed };
  };
}
