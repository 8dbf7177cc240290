import * as assert from 'node:assert/strict';
import { displayCommand, exitReason, RunPlanError, spawnErrorReason, spawnSpec } from '../../../src/client/runner/commandLine';
import { parseExperiment } from '../../../src/formats/experiment';
import { trialRunSpec } from '../../../src/session/trialRun';
import type { RunPlan } from '../../../src/shared/dto';

const plan = (command: string[], extra: Partial<RunPlan> = {}): RunPlan => ({ trialId: 7, command, cwd: '/work', logPath: '/work/runs/7.log', commandWritesLog: false, parallel: 1, scheduler: 'local', sbatch: [], experiment: 'e', ...extra });

describe('client run command line', () => {
  it('passes argv through untouched: metacharacters stay literal arguments, never a shell string', () => {
    const spec = spawnSpec(plan(['python', 'train.py', '--name', 'a b; rm -rf ~', '--lr', '0.1', '$(whoami)']), { PATH: '/bin' });
    assert.equal(spec.file, 'python');
    assert.deepEqual(spec.args, ['train.py', '--name', 'a b; rm -rf ~', '--lr', '0.1', '$(whoami)']);
    assert.equal(spec.cwd, '/work');
  });

  it('merges the plan environment over the base, sets HYPERBO_TRIAL and puts HyperBO\'s bin/ first on PATH', () => {
    const spec = spawnSpec(plan(['x'], { env: { SEED: '3', PATH: '/opt/bin' } }), { PATH: '/bin', HOME: '/h' }, { binDir: '/hb/bin', node: '/n/node' });
    assert.deepEqual(spec.env, { PATH: '/hb/bin:/opt/bin', HOME: '/h', SEED: '3', HYPERBO_TRIAL: '7', HYPERBO_NODE: '/n/node' });
  });

  it('rejects empty commands, NUL bytes and a missing working directory with actionable messages', () => {
    assert.throws(() => spawnSpec(plan([]), {}), (e: Error) => e instanceof RunPlanError && /run\.command/.test(e.message));
    assert.throws(() => spawnSpec(plan(['  ']), {}), RunPlanError);
    assert.throws(() => spawnSpec(plan(['python', 'a\0b']), {}), /NUL/);
    assert.throws(() => spawnSpec(plan(['python'], { cwd: '' }), {}), /working directory/);
  });

  it('runs a categorical value ${trial} literally, as hyperbo tune does (issue 10 item 7)', () => {
    const text = `objective: { metric: loss }
search_space:
  opt: { type: categorical, choices: ["\${trial}", "\${lr}", sgd] }
run: { command: [python, train.py, "--opt=\${opt}", "--id=\${trial}"], log: "l-\${trial}.log" }
trials:
  - { id: 4, params: { opt: "\${trial}" }, status: pending }
  - { id: 5, params: { opt: "\${lr}" }, status: pending }
`;
    const parsed = parseExperiment(text);
    assert.deepEqual(parsed.diagnostics, [], 'the editor accepts the file');
    const [four, five] = parsed.experiment!.trials;
    // The run spec both the server's run plan and the CLI use: the value is substituted once, never expanded again.
    const cli = trialRunSpec('/work/e.hyperbo.yaml', parsed.experiment!.run!, four!);
    assert.deepEqual(cli.command, ['python', 'train.py', '--opt=${trial}', '--id=4']);
    assert.deepEqual(spawnSpec(plan(cli.command), {}).args, ['train.py', '--opt=${trial}', '--id=4']);
    const other = trialRunSpec('/work/e.hyperbo.yaml', parsed.experiment!.run!, five!);
    assert.deepEqual(spawnSpec(plan(other.command), {}).args, ['train.py', '--opt=${lr}', '--id=5']);
  });

  it('shows the command quoted for a POSIX shell (display only)', () => {
    assert.equal(displayCommand(['python', 'train.py', '--lr', '0.1']), 'python train.py --lr 0.1');
    assert.equal(displayCommand(['echo', 'a b', "it's"]), `echo 'a b' 'it'\\''s'`);
  });

  it('explains how a process ended', () => {
    assert.equal(exitReason(0, null, false), undefined);
    assert.equal(exitReason(2, null, false), 'The command exited with code 2.');
    assert.equal(exitReason(null, 'SIGKILL', false), 'The command was killed by SIGKILL.');
    assert.equal(exitReason(null, 'SIGTERM', true), 'Stopped by the user.');
    const enoent = Object.assign(new Error('spawn nope ENOENT'), { code: 'ENOENT' });
    assert.match(spawnErrorReason(enoent, 'nope', '/w'), /no such program on the PATH.*\/w/);
  });
});
