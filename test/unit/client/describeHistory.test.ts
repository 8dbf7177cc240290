import * as assert from 'node:assert/strict';
import { describeSource } from '../../../src/client/commands/describeHistory';
import type { HistorySourceDTO, HistoryStudyDTO } from '../../../src/shared/protocol';

const study = (extra: Partial<HistoryStudyDTO> = {}): HistoryStudyDTO => ({
  name: 'resnet',
  trials: 6,
  incomplete: 1,
  usable: 5,
  metric: 'val_loss',
  mapped: ['lr', 'layers'],
  unmapped: [],
  missing: [],
  ...extra,
});
const source = (studies: HistoryStudyDTO[], extra: Partial<HistorySourceDTO> = {}): HistorySourceDTO => ({ entry: 'history/mlflow.db', format: 'MLflow', studies, listed: false, ...extra });

describe('Import Tuning History: the quick pick detail of a source', () => {
  it('puts parameters the search space lacks before the metric and the mapping, which the quick pick may cut', () => {
    assert.equal(
      describeSource(source([study({ unmapped: ['seed'] })])),
      'resnet: 5/6 trials usable (+1 incomplete); not in the search space: seed; metric val_loss; sets every parameter',
    );
  });

  it('names the parameters a study never sets, and joins studies', () => {
    assert.equal(
      describeSource(source([study({ incomplete: 0, metric: undefined, missing: ['batch'] }), study({ name: 'b', unusable: 'no finite val_loss' })])),
      'resnet: 5/6 trials usable; sets lr, layers; never sets batch · b: 5/6 trials usable (+1 incomplete) — no finite val_loss',
    );
  });

  it('says why a source cannot be read', () => {
    assert.equal(describeSource(source([], { error: 'not a SQLite file' })), 'cannot be read: not a SQLite file');
  });
});
