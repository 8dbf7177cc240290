// Import Tuning History on the server without an LSP connection: the sources found next to an experiment (which of
// them prior.from already lists), and the prior.from edit on the text the client sent or on the server's own.
import * as assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyTextEdits } from '../../../src/shared/textEdits';
import { ListingCancelledError } from '../../../src/priors/listing';
import { ErrorCodes, toResponseError } from '../../../src/server/languageServer';
import { UserError } from '../../../src/server/service/errors';
import { parseExperimentFile } from '../../../src/server/service/experimentAdapter';
import { HistoryImport } from '../../../src/server/service/historyImport';
import { WorkspaceIndex } from '../../../src/server/service/workspaceIndex';
import { removeFolder, tempFolder } from './fixtures';

const SWEEP = path.resolve(__dirname, '../../fixtures/history/sweep.csv');
const TEXT = `name: mlp
objective: { metric: val_loss, goal: minimize }
search_space:
  lr: { type: float, low: 1.0e-4, high: 0.1, scale: log }
  layers: { type: int, low: 1, high: 4 }
prior:
  from: [sweep.csv]
trials: []
`;

describe('server HistoryImport (no connection)', () => {
  let root: string;
  let uri: string;
  let index: WorkspaceIndex;

  beforeEach(async () => {
    root = await tempFolder('history');
    await copyFile(SWEEP, path.join(root, 'sweep.csv'));
    await copyFile(SWEEP, path.join(root, 'other.csv'));
    const file = path.join(root, 'mlp.hyperbo.yaml');
    await writeFile(file, TEXT);
    uri = pathToFileURL(file).toString();
    index = new WorkspaceIndex([root], parseExperimentFile);
    await index.scan();
  });
  afterEach(() => removeFolder(root));

  it('lists the sources next to the experiment, mapped onto its space, marking those prior.from already lists', async () => {
    const found = await new HistoryImport(index).find(uri);
    assert.equal(found.truncated, false);
    assert.deepEqual(found.sources.map((s) => [s.entry, s.listed]), [['other.csv', false], ['sweep.csv', true]]);
    const study = found.sources[0]!.studies[0]!;
    assert.deepEqual([study.mapped, study.metric], [['lr', 'layers'], 'val_loss']);
    assert.ok(study.usable > 0 && study.usable <= study.trials);
  });

  it('edits prior.from on the text sent (read under the file lock), else on the server\'s own, and refuses what cannot be done', async () => {
    const history = new HistoryImport(index);
    const own = history.addSourcesEdit(uri, ['other.csv']);
    assert.deepEqual(own.added, ['other.csv']);
    assert.match(applyTextEdits(TEXT, own.edits), /from: \[sweep\.csv, other\.csv\]/);
    const sent = TEXT.replace('from: [sweep.csv]', 'from: [sweep.csv, runs/*.jsonl]');
    assert.match(applyTextEdits(sent, history.addSourcesEdit(uri, ['other.csv'], sent).edits), /from: \[sweep\.csv, runs\/\*\.jsonl, other\.csv\]/);
    assert.throws(() => history.addSourcesEdit(uri, ['sweep.csv']), (e: Error) => e instanceof UserError && /already lists/.test(e.message));
    index.setDocument(uri, 'name: [mlp\n', 2);
    await assert.rejects(history.find(pathToFileURL(path.join(root, 'none.hyperbo.yaml')).toString()), UserError);
  });

  it('is cancelled by its signal (the request\'s Cancel): the scan of a large folder stops and the request answers "cancelled"', async () => {
    // 400 folders × 10 files: many folder reads, each an await at which the walk checks the signal.
    for (let d = 0; d < 400; d++) {
      const dir = path.join(root, 'runs', `r${d}`);
      await mkdir(dir, { recursive: true });
      await Promise.all(Array.from({ length: 10 }, (_, f) => writeFile(path.join(dir, `out${f}.txt`), 'x')));
    }
    const history = new HistoryImport(index);
    const before = new AbortController();
    before.abort();
    await assert.rejects(history.find(uri, before.signal), ListingCancelledError);
    // Cancelled while the walk runs: after its first folder reads.
    const during = new AbortController();
    const scan = history.find(uri, during.signal);
    setImmediate(() => during.abort());
    await assert.rejects(scan, ListingCancelledError);
    assert.equal(toResponseError(new ListingCancelledError()).code, ErrorCodes.cancelled);
    // Not cancelled, the same scan finishes.
    assert.equal((await history.find(uri)).sources.length, 2);
  });
});
