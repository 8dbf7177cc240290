// The `hyperbo` entry point: usage, help of every command, and unknown commands (the real CLI as a child process).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT, runCli } from './harness';

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

  describe('option errors: one line that says what to type', () => {
    const example = path.join(ROOT, 'examples', 'digits-mlp.hyperbo.yaml');

    it('an unknown option names the nearest one of that command, in every command', () => {
      for (const [args, line] of [
        [['tune', example, '--trails', '3'], 'Unknown option --trails; did you mean --trials?'],
        [['tune', example, '--dry'], 'Unknown option --dry; did you mean --dry-run?'],
        [['tune', example, '-trials', '3'], 'Unknown option -trials; did you mean --trials?'],
        [['pretrain', '--data', 'x.jsonl', '--metirc', 'm'], 'Unknown option --metirc; did you mean --metric?'],
        [['suggest', '--prior', 'p.json', '--obsevations', 'o.jsonl'], 'Unknown option --obsevations; did you mean --observations?'],
        [['bench', 'regret', '--data', 'x.jsonl', '--budjet', '3'], 'Unknown option --budjet; did you mean --budget?'],
      ] as const) {
        const r = runCli(args, dir);
        assert.equal(r.status, 2, args.join(' '));
        assert.equal(r.stderr, `hyperbo: ${line}\n`, args.join(' '));
        assert.equal(r.stdout, '');
      }
      // train prints its usage after the line (its own runner), with the same suggestion.
      const train = runCli(['train', '--lr', '0.1', '--momentun', '0.9'], dir);
      assert.equal(train.status, 2);
      assert.match(train.stderr, /^hyperbo train: Unknown option --momentun; did you mean --momentum\?\nUsage: hyperbo train /);
      // Nothing near: the line, then the command's usage.
      const far = runCli(['tune', example, '--zzzzzz'], dir);
      assert.equal(far.status, 2);
      assert.match(far.stderr, /^hyperbo: Unknown option --zzzzzz\.\n\nUsage: hyperbo tune /);
    });

    it('a negative or non-integer count is refused plainly, written either way; a missing value is said', () => {
      for (const [args, line] of [
        [['tune', example, '--trials', '-2'], '--trials must be an integer >= 1, got "-2".'],
        [['tune', example, '--trials=-2'], '--trials must be an integer >= 1, got "-2".'],
        [['tune', example, '--trials', '2.5'], '--trials must be an integer >= 1, got "2.5".'],
        [['tune', example, '--trials', ''], '--trials must be an integer >= 1, got "".'],
        // Seeds are integers >= 0, as the experiment file's seed is.
        [['tune', example, '--seed', '-1'], '--seed must be an integer >= 0, got "-1".'],
        [['tune', example, '--seed='], '--seed must be an integer >= 0, got "".'],
        [['suggest', '--prior', 'p.json', '--n', '-3'], '--n must be an integer >= 1, got "-3".'],
        [['bench', 'regret', '--data', 'x.jsonl', '--metric', 'm', '--seeds', '-1'], '--seeds must be an integer >= 1, got "-1".'],
        [['tune', example, '--trials'], '--trials needs a value.'],
        [['tune', example, '--trials', '--dry-run'], '--trials needs a value; "--dry-run" after it looks like an option (write --trials=--dry-run if it is the value).'],
        [['tune', example, '--dry-run=yes'], '--dry-run takes no value; got "yes".'],
      ] as const) {
        const r = runCli(args, dir);
        assert.equal(r.status, 2, args.join(' '));
        assert.equal(r.stderr, `hyperbo: ${line}\n`, args.join(' '));
      }
      // A negative number is a value where the option takes one: train's --seed may be negative.
      const train = runCli(['train', '--lr', '-0.1', '--momentum', '0.9', '--power', '1', '--decay-steps-factor', '1', '--out', 'x.jsonl'], dir);
      assert.equal(train.status, 2);
      assert.match(train.stderr, /^hyperbo train: --lr must be a positive number, got "-0\.1"\./);
    });
  });

  it('tune on a file that is not an experiment: one sentence, not an error per key', () => {
    copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    writeFileSync(path.join(dir, 'train.py'), 'import numpy as np\nprint(np.zeros(3))\n');
    writeFileSync(path.join(dir, 'empty.hyperbo.yaml'), '# nothing yet\n');
    writeFileSync(path.join(dir, 'list.yaml'), '- a\n- b\n');
    for (const [file, why] of [
      ['package.json', 'it has neither objective nor search_space'],
      ['train.py', 'it is not a YAML mapping of settings'],
      ['empty.hyperbo.yaml', 'it is empty'],
      ['list.yaml', 'it is not a YAML mapping of settings'],
    ]) {
      const r = runCli(['tune', file], dir);
      assert.equal(r.status, 1, file);
      assert.equal(r.stderr, `hyperbo: ${file} is not a HyperBO experiment file: ${why} (see docs/experiment-format.md).\n`);
    }
    // A file meant as an experiment still gets each error with its place, even when its YAML is broken.
    writeFileSync(path.join(dir, 'broken.hyperbo.yaml'), 'objective: {metric: loss\nsearch_space:\n');
    const broken = runCli(['tune', 'broken.hyperbo.yaml'], dir);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /broken\.hyperbo\.yaml has \d+ error\(s\):\nbroken\.hyperbo\.yaml:2:1: /);
  });
});
