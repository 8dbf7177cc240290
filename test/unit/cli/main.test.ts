// The `hyperbo` entry point: usage, help of every command, and unknown commands (the real CLI as a child process).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from './harness';

describe('hyperbo (CLI entry point)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-cli-main-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--help lists every command on stdout; no command is a usage error on stderr', () => {
    const help = runCli(['--help'], dir);
    assert.equal(help.status, 0);
    for (const command of ['tune', 'pretrain', 'suggest', 'train', 'bench regret']) assert.match(help.stdout, new RegExp(`^  hyperbo ${command} `, 'm'));
    assert.match(help.stdout, /hyperbo tune EXPERIMENT\.hyperbo\.yaml \[--trials N\] \[--seed S\] \[--dry-run\]/);
    const none = runCli([], dir);
    assert.equal(none.status, 2);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, help.stdout);
  });

  it('--version prints the package version and which linear algebra runs', () => {
    const { version } = JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    const out = runCli(['--version'], dir);
    assert.equal(out.status, 0);
    assert.equal(out.stdout, `hyperbo ${version} (Node ${process.versions.node}; linear algebra: WebAssembly SIMD)\n`);
  });

  it('COMMAND --help prints that command\'s usage and exits 0', () => {
    for (const [args, usage] of [
      [['tune', '--help'], /^Usage: hyperbo tune EXPERIMENT\.hyperbo\.yaml .*\[--dry-run\]/],
      [['pretrain', '--help'], /^Usage: hyperbo pretrain --data FILE\.\.\. --metric NAME/],
      [['suggest', '--help'], /^Usage: hyperbo suggest --prior prior\.json --observations obs\.jsonl \[--n K\]/],
      [['bench', '--help'], /^Usage: hyperbo bench regret --data FILE\.\.\./],
      [['bench', 'regret', '--help'], /^Usage: hyperbo bench regret --data FILE\.\.\./],
    ] as const) {
      const r = runCli(args, dir);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, usage, args.join(' '));
    }
  });

  it('an unknown command: exit 2, the command named, and the usage', () => {
    const r = runCli(['frobnicate'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^hyperbo: Unknown command "frobnicate"\.\n\nhyperbo — Bayesian optimisation/);
    assert.equal(r.stdout, '');
  });
});
