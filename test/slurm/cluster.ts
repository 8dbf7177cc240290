// Starts a real single-node Slurm for a test (test/slurm/slurm-up.sh) and stops it afterwards. Gives a reason to
// skip instead when Slurm's packages are missing or the tests do not run as root; CI installs the packages
// (.ci/install-vscode-tools.sh), runs as root and sets HYPERBO_REQUIRE_SLURM=1, so there a missing Slurm fails
// the tests instead of skipping them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface TestCluster {
  /** process.env plus SLURM_CONF pointing at this cluster. */
  env: NodeJS.ProcessEnv;
  dir: string;
  stop(): void;
}

const here = __dirname;

/** Set (by .ci/run) where the Slurm tests must run: what would skip them fails them instead. */
export const requireSlurmVariable = 'HYPERBO_REQUIRE_SLURM';

/** Why a real Slurm cannot start here, or undefined when it can. */
export function slurmMissing(): string | undefined {
  for (const tool of ['slurmctld', 'slurmd', 'munged', 'sbatch', 'scontrol']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      return `Slurm is not installed (${tool} missing): apt-get install slurmd slurmctld munge, or run .ci/install-vscode-tools.sh`;
    }
  }
  if (process.getuid?.() !== 0) return 'the Slurm tests start slurmd, which must run as root';
  return undefined;
}

export function startCluster(): TestCluster {
  const dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-slurm-'));
  let out: string;
  try {
    out = execFileSync(path.join(here, 'slurm-up.sh'), [dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    spawnSync(path.join(here, 'slurm-down.sh'), [dir]);
    throw new Error(`test/slurm/slurm-up.sh failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  const conf = /SLURM_CONF=(.+)/.exec(out)?.[1]?.trim();
  if (!conf) throw new Error(`slurm-up.sh printed no SLURM_CONF: ${out}`);
  return {
    env: { ...process.env, SLURM_CONF: conf },
    dir,
    stop() {
      spawnSync(path.join(here, 'slurm-down.sh'), [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Mocha hooks for a suite against the cluster: before its tests, start one (or skip the suite, saying why, when
 * Slurm cannot run here — or fail when HYPERBO_REQUIRE_SLURM=1); after them, stop it. Returns the running cluster.
 */
export function useCluster(): () => TestCluster {
  let cluster: TestCluster | undefined;
  before(function () {
    const missing = slurmMissing();
    if (missing) {
      if (process.env[requireSlurmVariable] === '1') throw new Error(`${requireSlurmVariable}=1 but ${missing}`);
      console.log(`      (skipped: ${missing})`);
      this.skip();
    }
    cluster = startCluster();
  });
  after(() => cluster?.stop());
  return () => {
    if (!cluster) throw new Error('the test cluster is not running');
    return cluster;
  };
}
