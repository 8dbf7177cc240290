// What the views show of an experiment, derived from its entry and its trials (as the server reports them): the
// summary in the experiments tree, the parameters and trials of the history panel, and the best trial. Pure.
import * as path from 'node:path';
import type { ParamSpec } from '../../engine';
import { launchSpec } from '../../formats/experiment';
import { experimentName, paramSpecsOf } from '../../priors/experiment';
import type { ExperimentSummary, Goal, ParameterInfo, Params, TrialDTO, TrialHistoryResult } from '../../shared/dto';
import { bestTrial as bestOf } from '../../shared/trials';
import type { ExperimentEntry, ValidEntry } from './workspaceIndex';

export interface BestTrial {
  trialId: number;
  value: number;
  params: Params;
}

/** The best completed trial with a finite value for the goal (the first of equals). */
export function bestTrial(goal: Goal, trials: readonly TrialDTO[]): BestTrial | undefined {
  const best = bestOf(trials, goal);
  return best ? { trialId: best.id, value: best.value!, params: best.params } : undefined;
}

/** The search space as the views describe it. */
export function parameterInfos(space: readonly ParamSpec[]): ParameterInfo[] {
  return space.map((p) =>
    p.type === 'categorical'
      ? { name: p.name, type: 'categorical', choices: p.choices.map(String) }
      : { name: p.name, type: p.type, low: p.low, high: p.high, scale: p.scale ?? 'linear' },
  );
}

/** The experiments tree's line for an entry: a file with errors and no valid state shows its name and errors only. */
export function experimentSummary(entry: ExperimentEntry, trials: readonly TrialDTO[]): ExperimentSummary {
  const experiment = entry.experiment;
  const errors = entry.diagnostics.filter((d) => d.severity === 1).length;
  if (!experiment) {
    return {
      uri: entry.uri,
      name: path.basename(entry.fsPath, '.hyperbo.yaml'),
      metric: '',
      goal: 'minimize',
      trials: { total: 0, completed: 0, running: 0, pending: 0, failed: 0 },
      errors,
    };
  }
  const count = (s: string) => trials.filter((t) => t.status === s).length;
  const summary: ExperimentSummary = {
    uri: entry.uri,
    name: experimentName(experiment),
    metric: experiment.objective.metric,
    goal: experiment.objective.goal,
    trials: {
      total: trials.length,
      completed: count('completed'),
      running: count('running'),
      pending: count('pending'),
      failed: count('failed') + count('diverged'),
    },
  };
  if (experiment.budget !== undefined) summary.budget = experiment.budget;
  const launch = launchSpec(experiment);
  if (launch) summary.parallel = launch.parallel;
  const best = bestTrial(experiment.objective.goal, trials);
  if (best) summary.best = best;
  if (errors > 0) summary.errors = errors;
  return summary;
}

/** The history panel's data. */
export function trialHistory(entry: ValidEntry, trials: TrialDTO[]): TrialHistoryResult {
  return {
    uri: entry.uri,
    experiment: experimentName(entry.experiment),
    metric: entry.experiment.objective.metric,
    goal: entry.experiment.objective.goal,
    parameters: parameterInfos(paramSpecsOf(entry.experiment.searchSpace)),
    trials,
  };
}
