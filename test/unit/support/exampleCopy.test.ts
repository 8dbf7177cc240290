// The copy of examples/ that integration and e2e tests open must not inherit what a tuning session left there.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseExperiment } from '../../../src/formats/experiment';
import { copyExampleWorkspace, copyPristine, withoutTrials } from '../../exampleCopy';

describe('test/exampleCopy (pristine copies of examples/)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-example-copy-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('withoutTrials empties the trials block and keeps everything else byte for byte', () => {
    const head = '# c\nname: x\nobjective: { metric: m }\n';
    assert.equal(withoutTrials(head + 'trials:\n  - id: 1\n    params: { x: 1 }\n\n  # note\n  - { id: 2 }\n'), head + 'trials: []\n');
    assert.equal(withoutTrials(head + 'trials:\n- id: 1\nbudget: 3\n'), head + 'trials: []\nbudget: 3\n');
    assert.equal(withoutTrials(head + 'trials: []\n'), head + 'trials: []\n');
    assert.equal(withoutTrials(head), head);
  });

  it('leaves out runs/ and .hyperbo/ and empties every experiment file\'s trials, in subfolders too', () => {
    const from = path.join(dir, 'examples');
    mkdirSync(path.join(from, 'runs', '1'), { recursive: true });
    mkdirSync(path.join(from, '.hyperbo', 'priors'), { recursive: true });
    mkdirSync(path.join(from, 'py', 'runs'), { recursive: true });
    writeFileSync(path.join(from, 'runs', '1', 'metrics.jsonl'), '{"loss": 1}\n');
    writeFileSync(path.join(from, 'py', 'runs', 'x.log'), 'loss=1\n');
    writeFileSync(path.join(from, 'train.ts'), 'code\n');
    writeFileSync(path.join(from, 'py', 'a.hyperbo.yaml'), 'name: a\ntrials:\n  - { id: 13, params: {}, status: completed, value: 1 }\n');
    const to = path.join(dir, 'copy');
    copyPristine(from, to);
    assert.equal(readFileSync(path.join(to, 'train.ts'), 'utf8'), 'code\n');
    assert.equal(readFileSync(path.join(to, 'py', 'a.hyperbo.yaml'), 'utf8'), 'name: a\ntrials: []\n');
    for (const gone of ['runs', '.hyperbo', path.join('py', 'runs')]) assert.ok(!existsSync(path.join(to, gone)), gone);
  });

  it('the repository\'s example experiments copy with no trials and parse, data/ beside them', () => {
    const workspace = copyExampleWorkspace(path.join(dir, 'examples'));
    assert.ok(existsSync(path.join(dir, 'data', 'pd1-mini')));
    for (const file of ['digits-mlp.hyperbo.yaml', path.join('sklearn-digits', 'sklearn-digits.hyperbo.yaml')]) {
      const parsed = parseExperiment(readFileSync(path.join(workspace, file), 'utf8'), { fileName: file });
      assert.ok(parsed.ok, file);
      assert.deepEqual(parsed.experiment!.trials, [], file);
    }
  });
});
