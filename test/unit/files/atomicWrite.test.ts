// writeFileAtomic: a process SIGKILLed while rewriting a several-MB file leaves the old content or the new one,
// never a torn or empty file (plain writeFile leaves a truncated file in most such kills).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { STALE_TEMP_MS, writeFileAtomic, writeFileAtomicSync } from '../../../src/files/atomicWrite';
import { withFileLock } from '../../../src/files/lock';

const TSX = pathToFileURL(require.resolve('tsx')).href;
const CHILD = path.join(__dirname, 'writerChild.ts');
const SIZE = 6 * 1024 * 1024;
const contentOf = (which: 'A' | 'B', size: number): string => `${which}:` + which.toLowerCase().repeat(size - 3) + '\n';

/** Starts a rewriting child, waits until it has rewritten the file once, lets it run `ms` more, then SIGKILLs it. */
function killMidRewrite(file: string, ms: number, how: 'atomic' | 'plain'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CHILD, 'rewrite', file, String(SIZE), how], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (out.includes('ready')) setTimeout(() => child.kill('SIGKILL'), ms);
    });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

describe('files/atomicWrite', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-atomic-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a SIGKILL at random moments of a 6 MB rewrite leaves the old or the new content, 10 times out of 10', async () => {
    const file = path.join(dir, 'big.hyperbo.yaml');
    const a = contentOf('A', SIZE);
    const b = contentOf('B', SIZE);
    writeFileSync(file, a);
    for (let k = 0; k < 10; k++) {
      await killMidRewrite(file, 5 + Math.random() * 120, 'atomic');
      const text = readFileSync(file, 'utf8');
      assert.ok(text === a || text === b, `kill ${k + 1}: the file has ${text.length} bytes starting ${JSON.stringify(text.slice(0, 8))}, neither version`);
    }
  });

  it('keeps the permissions of the file it replaces and writes through a symlink', async () => {
    const real = path.join(dir, 'real.yaml');
    const link = path.join(dir, 'link.yaml');
    writeFileSync(real, 'old\n');
    chmodSync(real, 0o640);
    symlinkSync(real, link);
    await writeFileAtomic(link, 'new\n');
    assert.equal(readFileSync(real, 'utf8'), 'new\n');
    assert.equal(statSync(real).mode & 0o777, 0o640);
    assert.ok(statSync(link, { throwIfNoEntry: true }) && readFileSync(link, 'utf8') === 'new\n');
    writeFileAtomicSync(link, 'newer\n');
    assert.equal(readFileSync(real, 'utf8'), 'newer\n');
    assert.deepEqual(readdirSync(dir).sort(), ['link.yaml', 'real.yaml'], 'no temporary file is left behind');
  });

  it('leaves the old file and no temporary file when the write fails', async () => {
    const file = path.join(dir, 'x.yaml');
    writeFileSync(file, 'old\n');
    await assert.rejects(writeFileAtomic(path.join(dir, 'missing', 'x.yaml'), 'new'), /ENOENT/);
    assert.equal(readFileSync(file, 'utf8'), 'old\n');
    await writeFileAtomic(path.join(dir, 'made', 'y.yaml'), 'y', { mkdirs: true });
    assert.equal(readFileSync(path.join(dir, 'made', 'y.yaml'), 'utf8'), 'y');
  });

  /** The pid of a process that has exited (so no live writer owns a temp file named with it). */
  const deadPid = (): number => {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return Number(r.stdout);
  };
  const age = (file: string, ms: number) => {
    const t = (Date.now() - ms) / 1000;
    utimesSync(file, t, t);
  };

  for (const how of ['async', 'sync'] as const) {
    it(`removes a killed write's stale temporary file at the next write of the same file, never a live writer's (${how})`, async () => {
      const file = path.join(dir, 'exp.hyperbo.yaml');
      writeFileSync(file, 'old\n');
      const dead = deadPid();
      const stale = path.join(dir, `.exp.hyperbo.yaml.${dead}.0123abcd.tmp`);
      const fresh = path.join(dir, `.exp.hyperbo.yaml.${dead}.4567abcd.tmp`);
      const live = path.join(dir, `.exp.hyperbo.yaml.${process.ppid}.89abcdef.tmp`);
      const other = path.join(dir, `.other.hyperbo.yaml.${dead}.0123abcd.tmp`);
      for (const f of [stale, fresh, live, other]) writeFileSync(f, 'partial');
      for (const f of [stale, live, other]) age(f, STALE_TEMP_MS + 5_000);
      if (how === 'async') await writeFileAtomic(file, 'new\n');
      else writeFileAtomicSync(file, 'new\n');
      assert.equal(readFileSync(file, 'utf8'), 'new\n');
      const left = readdirSync(dir).sort();
      assert.ok(!left.includes(path.basename(stale)), 'the dead writer\'s old temporary file is removed');
      assert.ok(left.includes(path.basename(fresh)), 'a temporary file younger than a minute is kept');
      assert.ok(left.includes(path.basename(live)), 'a live process\'s temporary file is kept, however old');
      assert.ok(left.includes(path.basename(other)), 'another file\'s temporary file is not touched');
    });
  }

  it('removes a stale temporary file of the lock file when the lock is next taken', async () => {
    const file = path.join(dir, 'exp.hyperbo.yaml');
    writeFileSync(file, 'x\n');
    const stale = path.join(dir, `..exp.hyperbo.yaml.lock.${deadPid()}.0123abcd.tmp`);
    writeFileSync(stale, '{}');
    age(stale, STALE_TEMP_MS + 5_000);
    await withFileLock(file, async () => undefined);
    assert.deepEqual(readdirSync(dir), ['exp.hyperbo.yaml']);
  });
});
