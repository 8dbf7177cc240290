import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { childrenCpuSeconds, timingTable } from '../../../src/cli/bench/reproduce';

describe('bench:regret timing', () => {
  it('counts the CPU time of finished child processes (optuna-tpe runs in one), which process.cpuUsage() leaves out', function () {
    if (!existsSync('/proc/self/stat')) this.skip();
    const before = childrenCpuSeconds();
    assert.ok(before !== undefined && before >= 0);
    const selfBefore = process.cpuUsage();
    // A child that burns 0.3 s of its own CPU time (not wall time, which a loaded machine would not turn into CPU).
    execFileSync(process.execPath, ['-e', 'const t = process.cpuUsage(); let x = 0; while (process.cpuUsage(t).user < 300000) x += Math.sqrt(x + 1);']);
    const self = process.cpuUsage(selfBefore);
    const after = childrenCpuSeconds()!;
    assert.ok(after - before >= 0.2, `children CPU grew by ${after - before} s`);
    assert.ok((self.user + self.system) / 1e6 < 0.2, 'the child burned CPU, not this process');
  });

  it('totals wall and CPU time over suites, with the load average next to each', () => {
    const table = timingTable(
      [
        { name: 'a', wall: 100, cpu: 40, childCpu: 5, loadStart: 8, loadEnd: [9, 8.5, 7] },
        { name: 'b', wall: 50, cpu: 20, childCpu: undefined, loadStart: 2, loadEnd: [2, 2, 2] },
      ],
      2,
    );
    assert.match(table, /\| a \| 100 \| 40 \| 5 \| 45 \| 8\.0 → 9\.0 \/ 8\.5 \/ 7\.0 \|/);
    assert.match(table, /\| b \| 50 \| 20 \| \? \| 20 \|/);
    assert.match(table, /\| \*\*all\*\* \| \*\*150\*\* \| \*\*60\*\* \| \*\*5\*\* \| \*\*65\*\* \(1\.1 min\) \| 2 cores \|/);
    // Suites run side by side (--jobs): the elapsed time is shown next to the sum of their wall times.
    assert.match(timingTable([{ name: 'a', wall: 100, cpu: 40, childCpu: 5, loadStart: 8, loadEnd: [9, 8.5, 7] }], 2, 80), /\| \*\*all\*\* \| \*\*100\*\* \(elapsed 80\) \|/);
  });
});
