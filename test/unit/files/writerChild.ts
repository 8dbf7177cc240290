// A child process for the durability tests (run with `node --import tsx`):
//   rewrite FILE SIZE atomic|plain  — rewrites FILE forever, alternating two contents of SIZE bytes; prints "ready"
//                                    after the first complete rewrite.
//   append FILE N TAG             — appends N trials (as `hyperbo tune` does: running, then completed) with the lock.
import { writeFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../src/files/atomicWrite';
import { appendTrialLocked, updateTrialLocked } from '../../../src/files/experimentWrites';

export const contentOf = (which: 'A' | 'B', size: number): string => `${which}:` + which.toLowerCase().repeat(size - 3) + '\n';

async function main(): Promise<void> {
  const [mode, file, a, b] = process.argv.slice(2);
  if (mode === 'rewrite') {
    const size = Number(a);
    const texts = [contentOf('B', size), contentOf('A', size)];
    for (let k = 0; ; k++) {
      const text = texts[k % 2]!;
      if (b === 'plain') writeFileSync(file!, text);
      else await writeFileAtomic(file!, text);
      if (k === 0) process.stdout.write('ready\n');
    }
  }
  if (mode === 'append') {
    const n = Number(a);
    for (let k = 0; k < n; k++) {
      const { id } = await appendTrialLocked(file!, { params: { x: (k + 0.5) / n, who: b! }, status: 'running', started: new Date().toISOString() });
      await updateTrialLocked(file!, id, { status: 'completed', value: k, finished: new Date().toISOString() });
    }
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(String((error as Error).stack ?? error) + '\n');
    process.exit(1);
  },
);
