// Language-server latency benchmark (not a test): `npm run bench:server [-- 1000 3000 10000 85000]`.
// Starts the real server in-process (test/server/harness.ts) on a workspace holding a generated experiment with N
// completed trials (d = 2, no prior: the single-task GP), opens it and times, as the editor would see them:
// - cold: the first code lens request after opening (it waits at most 200 ms for the suggestion, else answers with
//   'computing…' and refreshes), the time until the lens holds the suggestion, and a hover on the last trial;
// - warm: the same requests again on the unchanged file;
// - after an edit: a trial appended in the editor (didChange), then the lens, the suggestion and a hover on the new
//   trial (the posterior is extended by the new observation, engine conditioning.ts).
// Each figure is wall time with the process's CPU time (all threads: server and model worker) and the time the
// server's main thread was busy (event-loop utilisation: what the editor waits on; the worker's suggestion excluded)
// next to it, and the 1-minute load average when the row was measured: on a shared machine the busy time is the
// fairer figure.
import { writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import * as path from 'node:path';
import { COMPUTING_SUGGESTION_TITLE } from '../src/server/service/editorFeatures';
import { removeWorkspace, settledCodeLenses, startTestServer, tempWorkspace, uriOf, type TestServer } from '../test/server/harness';
import { LARGE_FIRST_TRIAL_LINE, largeExperiment } from '../test/server/largeExperiment';

type Lens = { command?: { title: string } };

async function timed<T>(what: () => Promise<T>): Promise<{ value: T; ms: number; cpu: number; main: number }> {
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const value = await what();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const main = performance.eventLoopUtilization(elu0).active;
  return { value, ms, cpu: (cpu.user + cpu.system) / 1000, main };
}

const fmt = (t: { ms: number; cpu: number; main: number }): string => `${t.ms.toFixed(0)} (${t.cpu.toFixed(0)}; ${t.main.toFixed(0)})`;

function lensState(lenses: Lens[]): string {
  const top = lenses[0]?.command?.title ?? '';
  return top.startsWith('▶ next') ? 'suggestion' : top === COMPUTING_SUGGESTION_TITLE ? 'computing' : top.slice(0, 30);
}

async function measure(server: TestServer, uri: string, hoverLine: number): Promise<string[]> {
  const lens = await timed(() => server.client.sendRequest('textDocument/codeLens', { textDocument: { uri } }) as Promise<Lens[]>);
  const settled = await timed(() => settledCodeLenses<Lens>(server, uri));
  const hover = await timed(
    () =>
      server.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: hoverLine, character: 20 } }) as Promise<{
        contents?: { value: string };
      } | null>,
  );
  const posterior = /posterior[^*]*\*\*([^*]+)\*\*/.exec(hover.value?.contents?.value ?? '')?.[1] ?? 'no posterior';
  // The suggestion time counts from the first request: the settled request follows it at once.
  const suggestion = { ms: lens.ms + settled.ms, cpu: lens.cpu + settled.cpu, main: lens.main + settled.main };
  return [`${fmt(lens)} ${lensState(lens.value)}`, fmt(suggestion), `${fmt(hover)} ${posterior}`];
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const rows: string[] = [];
  for (const n of sizes.length > 0 ? sizes : [1000, 3000, 10000]) {
    const root = await tempWorkspace();
    const file = path.join(root, 'large.hyperbo.yaml');
    const text = largeExperiment(n);
    await writeFile(file, text);
    const load = os.loadavg()[0]!.toFixed(1);
    const start = await timed(() => startTestServer(root, { logs: { pollInterval: 0 } }));
    const server = start.value;
    try {
      const uri = uriOf(file);
      await server.open(file, text);
      const cold = await measure(server, uri, LARGE_FIRST_TRIAL_LINE + n - 1);
      const warm = await measure(server, uri, LARGE_FIRST_TRIAL_LINE + n - 1);
      const edited = text + `  - { id: ${n + 1}, params: { learning_rate: 0.0123, momentum: 0.5 }, status: completed, value: 0.3 }\n`;
      await server.change(file, edited, 2);
      const after = await measure(server, uri, LARGE_FIRST_TRIAL_LINE + n);
      const counts = await server.handle.service()!.jobs.run({ kind: 'conditioningCounts', experiment: uri });
      const kept = counts ? `${counts.full} full, ${counts.extended} extended, ${counts.reused} reused; fits ${counts.fits}, kept ${counts.fitsKept}` : '';
      rows.push(`| ${n} | ${load} | ${fmt(start)} | ${cold.join(' | ')} | ${warm.join(' | ')} | ${after.join(' | ')} | ${kept} |`);
      console.error(rows[rows.length - 1]);
    } catch (e) {
      rows.push(`| ${n} | ${load} | ${fmt(start)} | error: ${(e as Error).message} |`);
      console.error(rows[rows.length - 1]);
    } finally {
      await server.dispose();
      await removeWorkspace(root);
    }
  }
  console.log("Milliseconds, wall (CPU of all threads; main thread busy). Lens: the first request's answer; suggestion: until the lens holds it.");
  console.log('');
  console.log(
    '| trials | load | start + index | cold lens | cold suggestion | cold hover | warm lens | warm suggestion | warm hover | lens after edit | suggestion after edit | hover after edit | posteriors |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

// A log line the disposed server still tries to send (the harness's connection is closed) must not end the run
// before its table is printed.
process.on('uncaughtException', (e: Error & { code?: number }) => {
  if (e.name === 'ConnectionError' && /disposed/.test(e.message)) return;
  console.error(e);
  process.exit(1);
});

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
