// A trial command's environment (src/session/runEnvironment.ts), shared by `hyperbo tune` and the editor's runner:
// `hyperbo` on the command's PATH is this package's CLI, wherever the experiment lives.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { hyperboBinDir, trialEnvironment } from '../../../src/session/runEnvironment';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('session/runEnvironment (the environment of a trial command)', () => {
  it('finds this package\'s bin/ from the sources and from a bundle in dist/, and nothing outside a HyperBO package', () => {
    assert.equal(hyperboBinDir(), path.join(ROOT, 'bin'));
    assert.equal(hyperboBinDir(path.join(ROOT, 'dist')), path.join(ROOT, 'bin'));
    assert.equal(hyperboBinDir(tmpdir()), undefined);
  });

  it('run.env overrides the runner\'s variables, HYPERBO_TRIAL is set, bin/ goes first on the resulting PATH', () => {
    const env = trialEnvironment({ PATH: '/usr/bin', HOME: '/h', SEED: '1' }, { SEED: '3', PATH: '/opt/bin' }, 4, { binDir: '/hb/bin', node: '/n' });
    assert.deepEqual(env, { PATH: `/hb/bin${path.delimiter}/opt/bin`, HOME: '/h', SEED: '3', HYPERBO_TRIAL: '4', HYPERBO_NODE: '/n' });
    assert.equal(trialEnvironment({ Path: 'C:\\bin' }, undefined, 1, { binDir: 'D:\\hb', node: 'n' }).Path, `D:\\hb${path.delimiter}C:\\bin`);
    assert.equal(trialEnvironment({}, undefined, 1, { binDir: '/hb/bin', node: 'n' }).PATH, '/hb/bin');
  });

  it('`hyperbo` on that PATH runs this package\'s CLI from a folder outside the repository', function () {
    this.timeout(60_000);
    if (!existsSync(path.join(ROOT, 'dist', 'cli.js'))) {
      const built = spawnSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-path-'));
    try {
      const env = trialEnvironment({ PATH: '/usr/bin:/bin' }, undefined, 1);
      const r = spawnSync('hyperbo', ['train', '--lr', '0'], { cwd: dir, env, encoding: 'utf8' });
      assert.equal(r.error, undefined);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--lr must be a positive number/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
