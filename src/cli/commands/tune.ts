// `hyperbo tune`: a headless tuning session on an experiment file — pre-train the prior, then ask → run → tell.
// The prior comes from the pipeline the editor uses (src/priors), so both share one cache entry per experiment.
import { writeErr, writeOut } from '../print';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import {
  completedValues,
  EngineError,
  isInfeasible,
  recordedOutputRule,
  recordedOutputTransform,
  SearchSpace,
  Study,
  studyFromRecord,
  priorCoverageGaps,
  studyPriorFromFile,
  summarizeOutputRule,
  type LoadedPrior,
  type OutputSpec,
  type StudyPrior,
  type Suggestion,
} from '../../engine';
import { optionalInt, parse, requireString, UsageError } from '../args';
import { DataError } from '../../formats/taskData';
import {
  DEFAULT_PRETRAIN_SETTINGS,
  expandHome,
  findWorkspaceRoot,
  listFiles,
  listingNotes,
  experimentName,
  paramSpecsOf,
  planPrior,
  PriorCache,
  priorSectionOf,
  PriorSourceError,
  readRelatedExperiment,
  runPretrain,
} from '../../priors';
import { appendTrialLocked, ExperimentWriteError, updateTrialLocked } from '../../files/experimentWrites';
import { LockTimeoutError } from '../../files/lock';
import { reconcileRunning, signalGroup, stopGroup } from '../../files/trialProcesses';
import { launchSpec, LineIndex, parseExperiment, type Diagnostic, type Experiment, type Trial } from '../../formats/experiment';
import { structureOf, type YamlStructure } from '../../formats/structure';
import { budgetLeft, budgetUsedUp, defaultSessionTrials, raiseBudget } from '../../session/budget';
import { acquisitionOptionsOf, describeAcquisition } from '../../session/acquisition';
import { exitReason, failureReason, MAX_CONSECUTIVE_FAILURES, OutputTail, RUN_COMMAND_EXAMPLE, spawnErrorReason } from '../../session/failure';
import { lastRunChanges } from '../../session/lastRun';
import { endedRunOutcome, logBelongsToRun, readTrialLog, shownPath, type TrialLogState, type TrialOutcome as LogOutcome } from '../../session/outcome';
import { RunOutput } from '../../session/runOutput';
import { commandWritesLog, newRunId, runCwd, trialLog, trialRunSpec, type TrialLog } from '../../session/trialRun';
import { trialEnvironment } from '../../session/runEnvironment';
import { coverageGapText } from '../../shared/coverage';
import { formatNumber, formatPercent } from '../../shared/numbers';
import { outputRuleText } from '../../shared/outputRule';
import { MedianStopping, stopReason, type StopVerdict } from '../../session/stopping';
import { finishedCurve, RunningTrialCheck } from '../../session/stoppingWatch';
import type { CurvePoint } from '../../formats/curve';
import { statusText } from '../../shared/trialStatus';
import { SchedulerError, type Scheduler as JobScheduler } from '../../scheduler/scheduler';
import { SlurmScheduler } from '../../scheduler/slurm';
import { followJob, jobOutputPath, lastLine, trialJobRequest } from '../../scheduler/trialJob';

const USAGE = `Usage: hyperbo tune EXPERIMENT.hyperbo.yaml [--trials N] [--seed S] [--dry-run] [--workspace DIR] [--stop-stray] [--allow-path DIR]...

Pre-trains the experiment's prior on what prior.from names (related experiment files' completed trials and
data files), then repeats N times: suggest a configuration, append it to the file's trials, run the experiment's
command, read the objective from the trial's log (run.log, or the command's captured output when there is none), and
record the result. Prints each trial and the best
configuration. N defaults to the trials left in the experiment's budget (else 10) and never runs past that
budget. After ${MAX_CONSECUTIVE_FAILURES} failed trials in a row the session stops and says why.

The prior is cached in DIR/.hyperbo/priors under the same key the editor computes, so the editor and tune
pre-train an experiment's prior once between them.

--seed S         use S instead of the file's seed, for the suggestions and the prior (whose cache key then differs
                 from the editor's).
--dry-run        pre-train or load the prior as a real session does, then print the next N suggestions (one batch,
                 each assuming the ones before it return their predicted value) without running anything or
                 changing the experiment file.
--stop-stray     stop the runs of trials still "running" whose session was killed (their process groups, recorded
                 as pid in the trial), record them as failed, and exit without running new trials.
--allow-path DIR let prior.from read DIR (and what is under it), outside the workspace folder (repeatable; as the
                 editor's hyperbo.prior.allowAbsolutePaths). Without it, prior.from patterns that leave the workspace
                 folder (/**/*.jsonl, /etc/*, ../elsewhere/*) are refused and links out of it are not followed, so
                 an experiment file cannot make tune read anywhere on the disk.
--workspace DIR  the workspace folder the editor has open (its first folder holds the cache). Default: the nearest
                 folder above the file with .vscode or .git, else one that already has .hyperbo/priors, else the
                 current folder when the file is inside it, else the file's folder.`;

/** The search space as the engine takes it. */
const spaceOf = (e: Experiment): SearchSpace => new SearchSpace(paramSpecsOf(e.searchSpace));

const fail = (file: string, message: string): never => {
  throw new UsageError(`${file}: ${message}`, 1);
};

/**
 * Why `structure` is not an experiment file at all (not a YAML mapping, or a mapping with neither objective nor
 * search_space, e.g. package.json), or undefined when it is meant as one. Such a file gets one sentence, not an
 * error per key.
 */
function notAnExperiment(structure: YamlStructure): string | undefined {
  const root = structure.root;
  if (root) return root.has('objective') || root.has('search_space') ? undefined : 'it has neither objective nor search_space';
  // A mapping the YAML parser could not finish is still an experiment file with a typo.
  if (structure.errors.length > 0 && /^(objective|search_space)\s*:/m.test(structure.text)) return undefined;
  if (structure.errors.length > 0) return 'it is not YAML';
  return structure.doc.contents == null ? 'it is empty' : 'it is not a YAML mapping of settings';
}

/** Parses and validates the file with the same rules as the editor; any error stops the session with its location. */
function readExperiment(file: string, text: string): Experiment {
  const structure = structureOf(text);
  const not = notAnExperiment(structure);
  const named = path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file);
  if (not) throw new UsageError(`${named} is not a HyperBO experiment file: ${not} (see docs/experiment-format.md).`, 1);
  const { experiment: e, diagnostics, ok } = parseExperiment(structure, { fileName: file });
  const lines = new LineIndex(text);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!ok || !e) {
    const where = (d: Diagnostic) => {
      const p = lines.positionAt(d.range.start);
      return `${path.basename(file)}:${p.line + 1}:${p.character + 1}: ${d.message}`;
    };
    throw new UsageError(`${file} has ${errors.length || 'unusable'} error(s):\n${errors.map(where).join('\n')}`, 1);
  }
  return e;
}

/** The prior and its output rule; both undefined for a single-task GP, whose rule comes from the task's own values. */
interface SessionPrior {
  prior?: StudyPrior;
  output?: OutputSpec;
  summary: string;
  /** Lines printed after the summary (tasks left out, where the prior was saved). */
  notes?: string[];
}

const shown = (p: string) => path.relative(process.cwd(), p) || p;

/**
 * Pre-trains (or loads from the workspace's cache) the prior named by the experiment's prior.from, through the
 * pipeline the editor uses: same sources, same key, same cache entry. `seed` is the file's unless --seed overrides it.
 */
async function loadPrior(file: string, exp: Experiment, seed: number, root: string, allowed: readonly string[]): Promise<SessionPrior> {
  const from = priorSectionOf(exp).from;
  if (from.length === 0) return { summary: 'no prior.from: a GP fitted to this experiment alone' };
  const userError = (error: unknown): never => {
    if (error instanceof PriorSourceError || error instanceof DataError || error instanceof EngineError) fail(file, error.message);
    throw error;
  };
  // The listing the editor uses: relative to the file, inside the workspace folder (the file's own folder counts) and
  // the folders named by --allow-path, bounded by SOURCE_LIMITS.
  const listing = await listFiles(path.dirname(file), from, {
    roots: [root, path.dirname(file)],
    allowed,
    allowHint: 'you pass --allow-path DIR',
  });
  for (const note of listingNotes(listing)) writeErr(`${shown(file)}: ${note}\n`);
  const plan = await planPrior(file, { ...exp, seed }, { root, ...DEFAULT_PRETRAIN_SETTINGS, readRelated: readRelatedExperiment, listing }).catch(userError);
  if (!plan) return { summary: 'no prior.from: a GP fitted to this experiment alone' };
  for (const u of plan.unusable) writeErr(`${shown(file)}: prior.from: ${shown(u.file)} is left out: ${u.reason}\n`);
  const cache = new PriorCache(root);
  const cached = await cache.get(plan.key);
  if (cached) {
    return {
      prior: studyPriorFromFile(cached.loaded),
      output: cached.loaded.output,
      summary: `cached prior ${shown(cached.file)}`,
      notes: coverageNotes(cached.loaded),
    };
  }
  const started = performance.now();
  let lastShown = -1;
  const output = await runPretrain(plan.input, {
    report(fraction) {
      const pct = Math.floor(fraction * 10) * 10;
      if (pct !== lastShown && process.stderr.isTTY) writeErr(`\rPre-training… ${pct}%`);
      lastShown = pct;
    },
  }).catch(userError);
  if (process.stderr.isTTY && lastShown >= 0) writeErr('\r');
  const seconds = (performance.now() - started) / 1000;
  const stored = await cache.put(plan.key, output.prior, { taskSources: output.taskSources, skipped: output.skipped });
  const training = stored.loaded.file.training;
  const points = training.tasks.reduce((n, t) => n + t.points, 0);
  const notes = [
    ...output.skipped.map((s) => `Left out of the prior: ${s.name} (${s.reason}).`),
    `Saved the prior to ${shown(stored.file)}.`,
    ...coverageNotes(stored.loaded),
  ];
  return {
    prior: studyPriorFromFile(stored.loaded),
    output: stored.loaded.output,
    summary:
      `pre-trained on ${training.tasks.length} task${training.tasks.length === 1 ? '' : 's'} (${points} points${output.skippedRows ? `, ${output.skippedRows} rows skipped` : ''}) with ` +
      `${training.objective.toUpperCase()} in ${seconds.toFixed(1)} s`,
    notes,
  };
}

/** Where the search space reaches past the prior's training data, one line each. */
const coverageNotes = (loaded: LoadedPrior): string[] => priorCoverageGaps(loaded).map((g) => `Prior coverage: ${coverageGapText(g)}`);

/** How often running jobs are polled: HYPERBO_POLL_MS (for tests and busy clusters), else every 2 s. */
function pollMs(): number {
  const v = Number(process.env.HYPERBO_POLL_MS);
  return Number.isFinite(v) && v >= 50 ? v : 2000;
}

// Metric values are written as the editor writes them (shared/numbers formatNumber); parameters as recorded
// (suggestions are already rounded for people, and the table's values are the file's).

/** The study for the trials so far, by the editor's rule (engine studyFromRecord); rebuilt before every suggestion. */
function studyFor(exp: Experiment, session: SessionPrior, trials: readonly Trial[], seed: number): Study {
  return studyFromRecord(
    {
      space: spaceOf(exp),
      goal: exp.objective.goal,
      output: session.output,
      outputOverrides: exp.objective.output,
      prior: session.prior,
      acquisition: acquisitionOptionsOf(exp),
      seed,
    },
    trials,
  );
}

interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of stdout and stderr together. */
  output: OutputTail;
  /** Set when the command could not be started at all. */
  startError?: NodeJS.ErrnoException;
}

/** Runs argv; with `capture`, its stdout and stderr also go to that file (the trial's log), as the editor's runner does. */
function runCommand(argv: string[], cwd: string, env: NodeJS.ProcessEnv, capture: string | undefined, started: (child: ChildProcess) => void): Promise<CommandResult> {
  return new Promise((resolve) => {
    // The command leads its own process group, so stopping a trial (or a stray run later) reaches all it started.
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    started(child);
    const output = new RunOutput(capture, (e) => writeErr(`${shown(capture!)}: ${e.message}\n`));
    let startError: NodeJS.ErrnoException | undefined;
    const take = (d: Buffer) => output.add(d);
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (e) => (startError = e));
    child.on('close', (code, signal) => {
      void output.close().then(() => resolve({ code, signal, output: output.tail, ...(startError ? { startError } : {}) }));
    });
  });
}

/** What a finished run's log says (session/outcome), or that run.stopping stopped it. */
type TrialOutcome = LogOutcome | { status: 'stopped'; step: number; value: number; reason: string };

/** The trial's run's log (text, TensorBoard, Lightning CSVLogger), read whole by the session's rule; undefined when there is none or it is an earlier run's. */
async function runLog(exp: Experiment, trial: Pick<Trial, 'started'>, log: TrialLog): Promise<TrialLogState | undefined> {
  const state = await readTrialLog(log.path, exp.objective);
  return state && logBelongsToRun({ status: 'running', started: trial.started }, state, log.byRunId) ? state : undefined;
}

/** A finished command's outcome: its exit status, then its log by the editor's rule (session/outcome). */
async function outcomeOf(exp: Experiment, argv: string[], cwd: string, result: CommandResult, trial: Pick<Trial, 'started'>, log: TrialLog): Promise<TrialOutcome> {
  if (result.startError) return { status: 'failed', reason: spawnErrorReason(result.startError, argv[0]!, cwd) };
  const how = exitReason(result.code, result.signal, false);
  if (how) return { status: 'failed', reason: failureReason(how, result.output.lastLines()) };
  return outcomeFromLog(exp, trial, log, 'the command succeeded');
}

/** The outcome the trial's log gives once its run has ended well (`ended` says how, for the no-log message). */
async function outcomeFromLog(exp: Experiment, trial: Pick<Trial, 'started'>, log: TrialLog, ended: string): Promise<LogOutcome> {
  return endedRunOutcome(await runLog(exp, trial, log), shownPath(log.path, process.cwd()), ended);
}

/**
 * Settles the trials the file says are running but no session watches: a live process is left (or stopped with
 * --stop-stray), a dead one's log decides its status; each is reported. Returns the file's trials after its writes.
 */
async function reconcile(file: string, exp: Experiment, stop: boolean, out: (line: string) => void): Promise<readonly Trial[]> {
  const running = exp.trials.filter((t) => t.status === 'running');
  if (running.length === 0) return exp.trials;
  const run = launchSpec(exp);
  const logs = new Map(running.map((t) => [t.id, trialLog(file, run, t)]));
  const settled = await reconcileRunning(
    // A trial with a scheduler job is re-attached to after this, not settled by its runner.
    running.map((t) => ({ id: t.id, pid: t.pid, runner: t.job === undefined ? t.runner : undefined, started: t.started, logPath: logs.get(t.id)?.path })),
    async (t) => {
      const log = logs.get(t.id);
      const state = log && (await runLog(exp, t, log));
      return state && endedRunOutcome(state, shownPath(log.path, process.cwd()));
    },
    { stop },
  );
  const finished = new Date().toISOString();
  let text: string | undefined;
  for (const r of settled) {
    if (r.action === 'recorded') {
      const o = r.outcome;
      text = await updateTrialLocked(file, r.id, { ...(o.status === 'completed' ? { status: 'completed', value: o.value } : { status: o.status, reason: o.reason }), finished, pid: null, runner: null });
      out(`Trial ${r.id} was left running by a session that ended; its log says ${o.status}${o.status === 'completed' ? ` (${formatNumber(o.value)})` : ''}. Recorded.`);
    } else if (r.action === 'failed' || r.action === 'stopped') {
      text = await updateTrialLocked(file, r.id, { status: 'failed', reason: r.reason, finished, pid: null, runner: null });
      out(`Trial ${r.id} recorded as failed: ${r.reason}.`);
    } else if (r.action === 'still-running') {
      writeErr(
        `${shown(file)}: trial ${r.id} is still running (pid ${r.pid}) from a session that is gone or another tune; left as is. ` +
          `Run hyperbo tune ${shown(file)} --stop-stray (or HyperBO: Stop Stray Runs in the editor) to stop it.\n`,
      );
    } else if (stop) {
      writeErr(`${shown(file)}: trial ${r.id} is running with no pid recorded (the editor runs it, or a tune that is still starting it); not stopped.\n`);
    }
  }
  return text === undefined ? exp.trials : readExperiment(file, text).trials;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      trials: { type: 'string' },
      seed: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'stop-stray': { type: 'boolean' },
      'allow-path': { type: 'string', multiple: true },
      workspace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    writeOut(USAGE + '\n');
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`Give one experiment file, not ${positionals.length}.\n\n${USAGE}`);
  const dryRun = values['dry-run'] === true;
  const file = path.resolve(requireString(positionals[0], 'the experiment file', USAGE));
  // Options are checked before the file, so their errors come first.
  const trialsFlag = values.trials === undefined ? undefined : optionalInt(values.trials, '--trials', 1);
  const seedFlag = values.seed === undefined ? undefined : optionalInt(values.seed, '--seed', 0, 0);
  const workspaceFlag = values.workspace === undefined ? undefined : path.resolve(requireString(values.workspace, '--workspace', USAGE));
  if (workspaceFlag !== undefined && !(await stat(workspaceFlag).then((s) => s.isDirectory(), () => false))) {
    throw new UsageError(`--workspace ${values.workspace}: not a folder. Give the folder the editor has open.`, 2);
  }
  const text = await readFile(file, 'utf8').catch((e: Error) => fail(file, `cannot read: ${e.message}`));
  const exp = readExperiment(file, text);
  const seed = seedFlag ?? exp.seed;
  const left = budgetLeft(exp.budget, exp.trials.length);
  // A session never runs past the file's budget: --trials asks for at most that many (a dry run runs nothing, so it
  // may look further ahead).
  let count = trialsFlag ?? defaultSessionTrials(left);
  const launch = launchSpec(exp);
  if (!dryRun && !launch) fail(file, `needs run.command to launch trials, e.g. ${RUN_COMMAND_EXAMPLE}.`);
  const out = (line: string) => writeOut(line + '\n');

  const { metric, goal } = exp.objective;
  const space = spaceOf(exp);
  out(`Experiment ${experimentName(exp)}: ${goal} ${metric} over ${space.names.join(', ')}`);
  // Trials left "running" by a session that was killed: settle them from their process and log before anything else.
  const settled = !dryRun || values['stop-stray'] ? await reconcile(file, exp, values['stop-stray'] === true, out) : exp.trials;
  if (values['stop-stray']) return 0;
  if (left !== undefined && left <= 0 && (trialsFlag === undefined || !dryRun)) {
    out(budgetUsedUp(exp.budget!, exp.trials.length, path.basename(file), dryRun ? 'pass --trials N to see more.' : undefined));
    return 0;
  }
  if (!dryRun && left !== undefined && count > left) {
    out(`--trials ${count} is more than the ${left} left in the budget of ${exp.budget} (${exp.trials.length} recorded): running ${left}; ${raiseBudget(path.basename(file))}`);
    count = left;
  }
  const allowed = (values['allow-path'] ?? []).map((p) => path.resolve(expandHome(p)));
  const session = await loadPrior(file, exp, seed, workspaceFlag ?? findWorkspaceRoot(file, process.cwd()), allowed);
  out(`Prior: ${session.summary}`);
  out(`Acquisition: ${describeAcquisition(acquisitionOptionsOf(exp))}`);
  for (const note of session.notes ?? []) out(note);
  const trials: Trial[] = [...settled];
  if (trials.length) {
    const open = trials.filter((t) => t.status === 'pending' || t.status === 'running').length;
    const outside = trials.filter((t) => t.outsideSpace).length;
    out(
      `Resuming after ${trials.length} recorded trials` +
        (open ? `; ${open} still pending or running count as pending (assumed to return their predicted value)` : '') +
        (outside ? `; ${outside} outside the search space are skipped` : '') +
        '.',
    );
  }
  // What the model sees of the metric, by the rule studyFromRecord applies (the prior's, else one fitted to the results).
  const ruleOptions = { goal: exp.objective.goal, output: session.output, outputOverrides: exp.objective.output };
  out(`Output rule: ${outputRuleText(summarizeOutputRule(completedValues(trials), recordedOutputRule(ruleOptions, trials)))}`);
  const names = space.names;
  // Without a prior or two results the GP has nothing to predict from: no number is shown.
  const columns = (id: number, s: Suggestion) => [
    id,
    ...names.map((n) => String(s.config[n])),
    s.basis === 'default-prior' ? '—' : `${formatNumber(s.predicted.value)}±${formatNumber(s.predicted.sd)}`,
  ];

  if (dryRun) {
    const batch = studyFor(exp, session, trials, seed).ask(count);
    out(`Dry run: the next ${count} suggestion(s), one batch in which each assumes the ones before it return their predicted value. Nothing was run; ${path.basename(file)} is unchanged.`);
    out(['trial', ...names, `predicted ${metric}`].join('\t'));
    const nextId = trials.reduce((m, t) => (t.id >= m ? t.id + 1 : m), 1);
    batch.forEach((s, k) => out(columns(nextId + k, s).join('\t')));
    return 0;
  }
  const runSpec = launch!;

  out(['trial', ...names, 'predicted', metric, 'status'].join('\t'));
  // Every write holds the file's lock, re-reads it and replaces it atomically (src/files/experimentWrites): changes
  // made meanwhile by the editor or another tune are kept, a new trial's id comes from the file as it is then, and a
  // kill mid-write leaves the previous version. Only the trial's own lines change.
  const recording = async <T>(write: () => Promise<T>): Promise<T> =>
    write().catch((error: unknown) => {
      if (error instanceof ExperimentWriteError || error instanceof LockTimeoutError) throw new UsageError(`cannot record the trial: ${error.message}`, 1);
      throw error;
    });
  // The file's trials as they are now (others may have added or finished some); the session's view if it no longer parses.
  const merge = (text: string) => {
    try {
      const fresh = readExperiment(file, text).trials;
      trials.splice(0, trials.length, ...fresh);
    } catch {
      // Keep the session's own view; the next write re-reads the file again.
    }
  };
  const scheduler: JobScheduler | undefined = runSpec.scheduler === 'slurm' ? new SlurmScheduler() : undefined;
  // Local trials run one at a time; with a scheduler up to run.parallel jobs are queued or running at once.
  const slots = scheduler ? runSpec.parallel : 1;
  // Ctrl-C stops the running trial's process group (or scancels the running jobs) (a second one kills it), records it as failed and ends the
  // session; SIGTERM and SIGHUP (a closed terminal, a job scheduler) stop the group with SIGTERM, then SIGKILL.
  let interrupted = 0;
  let interruptSignal: NodeJS.Signals | undefined;
  const stopJobs = new AbortController();
  let child: ChildProcess | undefined;
  const onInterrupt = (signal: NodeJS.Signals) => {
    interrupted++;
    interruptSignal ??= signal;
    stopJobs.abort(new Error(`interrupted (${signal === 'SIGINT' ? 'Ctrl-C' : signal})`));
    const pid = child?.pid;
    if (pid === undefined) return;
    if (signal === 'SIGINT') signalGroup(pid, interrupted > 1 ? 'SIGKILL' : 'SIGINT');
    else void stopGroup(pid, 3000);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signals) process.on(sig, onInterrupt);
  // Failed trials in a row: after MAX_CONSECUTIVE_FAILURES the command is most likely broken, not the configurations.
  let failedInRow = 0;
  let stoppedBy: string | undefined;
  let launched = 0;

  const record = async (trial: Trial, outcome: TrialOutcome, row: (string | number)[]) => {
    trial.status = outcome.status;
    if (outcome.status === 'completed' || outcome.status === 'stopped') trial.value = outcome.value;
    if (outcome.status === 'stopped') trial.step = outcome.step;
    if (outcome.status !== 'completed') writeErr(`trial ${trial.id} ${outcome.status === 'stopped' ? outcome.reason : `${outcome.status}: ${outcome.reason}`}\n`);
    await recording(() =>
      updateTrialLocked(
        file,
        trial.id,
        lastRunChanges({
          status: outcome.status,
          ...(outcome.status === 'completed'
            ? { value: outcome.value }
            : outcome.status === 'stopped'
              ? { value: outcome.value, step: outcome.step, reason: outcome.reason }
              : { reason: outcome.reason }),
          finished: new Date().toISOString(),
          pid: null,
          runner: null,
        }),
      ),
    );
    out([...row, trial.value === undefined ? '—' : formatNumber(trial.value), statusText(trial)].join('\t'));
    failedInRow = outcome.status === 'failed' ? failedInRow + 1 : 0;
    // Only when more trials were to come: a session whose last trials failed just ends.
    if (failedInRow >= MAX_CONSECUTIVE_FAILURES && !interrupted && outcome.status === 'failed' && launched < count) stoppedBy = outcome.reason;
  };

  /** Follows a submitted (or re-attached) job to its end; Ctrl-C cancels it. The outcome comes from the job, then the log. */
  const followTrialJob = async (jobs: JobScheduler, trial: Trial, id: string, output: string | undefined, log: TrialLog): Promise<TrialOutcome> => {
    try {
      const end = await followJob(jobs, id, output, {
        intervalMs: pollMs(),
        signal: stopJobs.signal,
        onPollError: (e) => writeErr(`trial ${trial.id}: ${e.message} (still polling)\n`),
      });
      if (end.failure) {
        const last = lastLine(end.outputTail);
        return { status: 'failed', reason: last ? `${end.failure} ${last}` : end.failure };
      }
      if (end.unknown) writeErr(`trial ${trial.id}: ${end.status.reason}; its log decides.\n`);
      return await outcomeFromLog(exp, trial, log, `${jobs.name} job ${id} ended`);
    } catch (error) {
      if (!stopJobs.signal.aborted) return { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
      await jobs.cancel(id).catch((e: Error) => writeErr(`trial ${trial.id}: ${e.message}\n`));
      return { status: 'failed', reason: `interrupted (Ctrl-C); ${jobs.name} job ${id} cancelled` };
    }
  };

  // run.stopping (src/session/stopping.ts): the completed trials' curves, read once per trial and log, and a check of
  // the running trial's log every poll; a verdict stops its process group (or cancels its job).
  const stoppingObjective = exp.objective;
  const finishedCurves = new Map<string, CurvePoint[] | undefined>();
  const stoppingRule = async (): Promise<MedianStopping | undefined> => {
    if (!runSpec.stopping) return undefined;
    const curves: CurvePoint[][] = [];
    for (const t of trials.filter((t) => t.status === 'completed')) {
      const log = trialLog(file, runSpec, t).path;
      const key = `${t.id}\0${log}`;
      if (!finishedCurves.has(key)) finishedCurves.set(key, await finishedCurve(log, stoppingObjective));
      const c = finishedCurves.get(key);
      if (c && c.length > 0) curves.push(c);
    }
    return new MedianStopping(runSpec.stopping, exp.objective, curves);
  };
  const watchStopping = (rule: MedianStopping | undefined, logPath: string, stop: () => void) => {
    if (!rule) return { verdict: (): StopVerdict | undefined => undefined, end: () => undefined };
    const check = new RunningTrialCheck(logPath, stoppingObjective, rule);
    let busy = false;
    const timer = setInterval(() => {
      if (busy || check.verdict) return;
      busy = true;
      void check
        .poll()
        .then((v) => v && stop())
        .finally(() => (busy = false));
    }, pollMs());
    return { verdict: () => check.verdict, end: () => clearInterval(timer) };
  };
  const stoppedOutcome = (v: StopVerdict): TrialOutcome => ({ status: 'stopped', step: v.step, value: v.value, reason: stopReason(v, goal) });

  /** Suggests, records and launches one trial; resolves once it is launched with the promise of its end. */
  const startTrial = async (): Promise<{ done: Promise<void> }> => {
    merge(await readFile(file, 'utf8'));
    const [s] = studyFor(exp, session, trials, seed).ask(1);
    const params = s!.config;
    // The run's id goes into the trial with its log path: `${run}` in run.log gives each run a log of its own.
    // `runner` (this process) goes in the same write as `running`: if tune is killed before the command's pid is
    // written, the next session sees the runner gone and settles the trial instead of leaving it running for ever.
    const run = newRunId();
    const started = new Date().toISOString();
    const appended = await recording(() =>
      appendTrialLocked(file, (id) => ({ params, status: 'running', run, log: path.relative(path.dirname(file), trialLog(file, runSpec, { id, params, run }).path), started, runner: process.pid })),
    );
    const id = appended.id;
    merge(appended.text);
    const trial: Trial = trials.find((t) => t.id === id) ?? { id, params, status: 'running', run, started };
    if (!trials.includes(trial)) trials.push(trial);
    const spec = trialRunSpec(file, runSpec, { id, params, run });
    const cwd = spec.cwd;
    const logPath = spec.log.path;
    const argvForTrial = spec.command;
    await mkdir(path.dirname(logPath), { recursive: true });
    if (scheduler) {
      const request = trialJobRequest({
        experiment: experimentName(exp),
        trialId: id,
        command: argvForTrial,
        cwd,
        env: trialEnvironment(process.env, spec.env, id),
        logPath,
        capture: !commandWritesLog(runSpec),
        options: spec.sbatch,
      });
      let jobId: string;
      try {
        if (interrupted) throw new SchedulerError('interrupted (Ctrl-C)');
        jobId = await scheduler.submit(request);
      } catch (error) {
        return { done: record(trial, { status: 'failed', reason: error instanceof Error ? error.message : String(error) }, columns(id, s!)) };
      }
      trial.job = jobId;
      await recording(() => updateTrialLocked(file, id, { job: jobId }));
      writeErr(`trial ${id}: ${scheduler.name} job ${jobId}\n`);
      const watch = watchStopping(await stoppingRule(), logPath, () => void scheduler.cancel(jobId).catch((e: Error) => writeErr(`trial ${id}: ${e.message}\n`)));
      return {
        done: followTrialJob(scheduler, trial, jobId, jobOutputPath(request, jobId), spec.log).then((outcome) => {
          watch.end();
          const v = watch.verdict();
          return record(trial, v && !interrupted ? stoppedOutcome(v) : outcome, columns(id, s!));
        }),
      };
    }
    // An interrupt that came while the trial was being recorded stops it before it starts.
    let pidRecorded: Promise<unknown> = Promise.resolve();
    const rule = await stoppingRule();
    let watch: ReturnType<typeof watchStopping> | undefined;
    const result = interrupted
      ? undefined
      : await runCommand(argvForTrial, cwd, trialEnvironment(process.env, spec.env, id), commandWritesLog(runSpec) ? undefined : logPath, (c) => {
          child = c;
          watch = watchStopping(rule, logPath, () => c.pid !== undefined && void stopGroup(c.pid, 3000));
          // The pid (its process group) and the time right after the start, so a later session can tell whether
          // this run outlived a killed tune (src/files/trialProcesses).
          c.once('spawn', () => {
            if (c.pid === undefined) return;
            trial.started = new Date().toISOString();
            pidRecorded = recording(() => updateTrialLocked(file, id, { pid: c.pid!, started: trial.started }));
          });
        });
    child = undefined;
    watch?.end();
    const verdict = watch?.verdict();
    await pidRecorded;
    const how = interruptSignal === 'SIGINT' || interruptSignal === undefined ? 'Ctrl-C' : interruptSignal;
    const outcome: TrialOutcome =
      interrupted || !result
        ? { status: 'failed', reason: `interrupted (${how})` }
        : verdict
          ? stoppedOutcome(verdict)
          : await outcomeOf(exp, argvForTrial, cwd, result, trial, spec.log);
    return { done: record(trial, outcome, columns(id, s!)) };
  };

  const active = new Set<Promise<void>>();
  const track = (run: Promise<void>) => {
    const tracked = run.finally(() => active.delete(tracked));
    active.add(tracked);
  };
  try {
    // Trials a previous session (or the editor) submitted and that are still running: follow their jobs again.
    if (scheduler) {
      for (const trial of trials.filter((t) => t.status === 'running' && t.job)) {
        const log = trialLog(file, runSpec, trial);
        out(`Re-attaching to ${scheduler.name} job ${trial.job} of trial ${trial.id}.`);
        const row = [trial.id, ...names.map((n) => String(trial.params[n])), '—'];
        track(followTrialJob(scheduler, trial, trial.job!, undefined, log).then((outcome) => record(trial, outcome, row)));
      }
    }
    const more = () => launched < count && !interrupted && stoppedBy === undefined;
    while (more() || active.size > 0) {
      while (active.size < slots && more()) {
        launched++;
        track((await startTrial()).done);
      }
      if (active.size > 0) await Promise.race(active);
    }
  } finally {
    for (const sig of signals) process.off(sig, onInterrupt);
  }
  // Trials recorded concurrently may have been re-read meanwhile: the file has every outcome.
  if (scheduler) merge(await readFile(file, 'utf8'));
  if (stoppedBy !== undefined) {
    writeErr(
      `Stopped after ${failedInRow} failed trials in a row: the command itself probably fails. The last one's reason: ${stoppedBy}\n` +
        `Fix the command (run it by hand from ${shown(runCwd(file, runSpec))}), then run tune again.\n`,
    );
  }
  const interruptedCode = interruptSignal === 'SIGTERM' ? 143 : interruptSignal === 'SIGHUP' ? 129 : 130;
  const done = trials.filter((t) => t.status === 'completed' && t.value !== undefined);
  if (done.length === 0) {
    out('No trial completed.');
    return interrupted ? interruptedCode : 1;
  }
  const best = done.reduce((a, b) => ((goal === 'minimize' ? b.value! < a.value! : b.value! > a.value!) ? b : a));
  out(`Best ${metric} = ${formatNumber(best.value)} (trial ${best.id}) with ${names.map((n) => `${n}=${String(best.params[n])}`).join(' ')}`);
  // Which results the model did not fit as numbers, by the rule as it stands after this session's results.
  const finalTransform = recordedOutputTransform(ruleOptions, trials);
  const infeasible = done.filter((t) => isInfeasible(finalTransform, t.value!));
  if (infeasible.length > 0) {
    out(
      `Infeasible by the output rule (absurdly bad, fitted like a diverged run): ${infeasible.map((t) => `trial ${t.id} (${formatNumber(t.value)})`).join(', ')}. ` +
        'objective.tails: none fits every result as a number.',
    );
  }
  // Which past tasks resemble this one, as Prior Provenance shows it (3 results at least, a prior that kept its data).
  const alike = studyFor(exp, session, trials, seed)
    .taskAgreement()
    .filter((a) => a.name !== undefined && a.pairs > 0)
    .sort((a, b) => b.concordant / b.pairs - a.concordant / a.pairs);
  if (alike.length > 0) {
    const named = (a: (typeof alike)[number]) => `${a.name} (${formatPercent(a.concordant, a.pairs)})`;
    out(
      `The prior's tasks that order this experiment's trials most alike: ${alike.slice(0, 3).map(named).join(', ')} ` +
        `of ${alike[0]!.pairs} pairs${alike.length > 3 ? `; the least: ${named(alike.at(-1)!)}` : ''}.`,
    );
  }
  return interrupted ? interruptedCode : stoppedBy !== undefined ? 1 : 0;
}
