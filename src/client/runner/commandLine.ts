// Checks a run plan's argv and builds what spawn needs. Pure: argv is never joined into a shell string;
// `display` quotes only for showing the command to the user.
import { trialEnvironment, type TrialEnvironmentOptions } from '../../session/runEnvironment';
import type { RunPlan } from '../../shared/dto';

export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export class RunPlanError extends Error {
  override name = 'RunPlanError';
}

/**
 * The program, its arguments and environment for `spawn(file, args, { shell: false })`; the environment is the one
 * `hyperbo tune` gives its trials too (session/runEnvironment: run.env, HYPERBO_TRIAL, `hyperbo` on PATH). Throws
 * RunPlanError on a plan that cannot run.
 */
export function spawnSpec(plan: RunPlan, baseEnv: NodeJS.ProcessEnv, options: TrialEnvironmentOptions = {}): SpawnSpec {
  // argv is filled in already: a `${...}` left in it is a parameter's value (a categorical choice `${trial}`) and
  // passes through literally, as `hyperbo tune` passes it; unknown placeholders in run.command are parser errors.
  const argv = plan.command;
  if (!Array.isArray(argv) || argv.length === 0 || typeof argv[0] !== 'string' || argv[0].trim() === '') {
    throw new RunPlanError(`Trial ${plan.trialId} has no command to run; set run.command, e.g. [python, train.py, --lr, "\${learning_rate}"].`);
  }
  for (const [i, arg] of argv.entries()) {
    if (typeof arg !== 'string') throw new RunPlanError(`Argument ${i} of the command is not a string: ${JSON.stringify(arg)}.`);
    if (arg.includes('\0')) throw new RunPlanError(`Argument ${i} of the command contains a NUL character.`);
  }
  if (!plan.cwd) throw new RunPlanError(`Trial ${plan.trialId} has no working directory.`);
  return { file: argv[0]!, args: argv.slice(1), cwd: plan.cwd, env: trialEnvironment(baseEnv, plan.env, plan.trialId, options) };
}

/** The command as a person would type it in a POSIX shell; for display only, never executed. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export { exitReason, spawnErrorReason } from '../../session/failure';
