// The environment a trial's command runs in, the same for `hyperbo tune` and the editor's Run Trial: the runner's
// own environment, then the experiment's run.env, then HYPERBO_TRIAL, with this package's bin/ folder first on PATH.
// bin/hyperbo there runs the CLI of the HyperBO that launched the trial (with that runner's Node, HYPERBO_NODE), so
// a run.command such as [hyperbo, train, …] works in any folder, without the package installed there.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The variable bin/hyperbo reads for the Node binary to run the CLI with. */
export const HYPERBO_NODE_VARIABLE = 'HYPERBO_NODE';

/**
 * The bin/ folder (holding the `hyperbo` launcher) of the HyperBO package this code belongs to, found by walking up
 * from `start` (dist/ in a bundle, src/session/ in the sources); undefined when there is none (e.g. a package
 * without bin/).
 */
export function hyperboBinDir(start: string = __dirname): string | undefined {
  let dir = path.resolve(start);
  for (let depth = 0; depth < 6; depth++) {
    const launcher = path.join(dir, 'bin', 'hyperbo');
    if (existsSync(launcher) && isHyperboPackage(path.join(dir, 'package.json'))) return path.join(dir, 'bin');
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

function isHyperboPackage(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'hyperbo';
  } catch {
    return false;
  }
}

/** The PATH variable's name in `env` (Windows spells it Path). */
const pathKey = (env: NodeJS.ProcessEnv): string => Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';

export interface TrialEnvironmentOptions {
  /** The folder to put first on PATH; default hyperboBinDir(). */
  binDir?: string;
  /** The Node binary bin/hyperbo runs the CLI with; default this process's. */
  node?: string;
}

/** The environment for trial `trialId`'s command. run.env overrides the runner's variables, PATH excepted: bin/ is prepended to whichever PATH results. */
export function trialEnvironment(
  base: NodeJS.ProcessEnv,
  runEnv: Readonly<Record<string, string>> | undefined,
  trialId: number,
  options: TrialEnvironmentOptions = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...(runEnv ?? {}), HYPERBO_TRIAL: String(trialId) };
  const binDir = options.binDir ?? hyperboBinDir();
  if (binDir) {
    const key = pathKey(env);
    env[key] = env[key] ? `${binDir}${path.delimiter}${env[key]}` : binDir;
    env[HYPERBO_NODE_VARIABLE] ??= options.node ?? process.execPath;
  }
  return env;
}
