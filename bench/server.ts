// Language-server latency benchmark (not a test): `npm run bench:server [-- 1000 3000 10000]`.
// Starts the real server in-process (test/server/harness.ts), opens a generated experiment with N completed
// trials (d = 2, no prior: the single-task GP) and times the first code lens request (suggestion included)
// and a hover on the last trial, then a second code lens on the unchanged file (cached).
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { removeWorkspace, startTestServer, tempWorkspace, uriOf } from '../test/server/harness';
import { LARGE_FIRST_TRIAL_LINE, largeExperiment } from '../test/server/largeExperiment';

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const rows: string[] = [];
  for (const n of sizes.length > 0 ? sizes : [1000, 3000, 10000]) {
    const root = await tempWorkspace();
    const file = path.join(root, 'large.hyperbo.yaml');
    const text = largeExperiment(n);
    await writeFile(file, text);
    const server = await startTestServer(root, { logs: { pollInterval: 0 } });
    try {
      const uri = uriOf(file);
      await server.open(file, text);
      let t0 = performance.now();
      const lenses = (await server.client.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as { command?: { title: string } }[];
      const first = performance.now() - t0;
      const next = lenses.find((l) => l.command?.title.startsWith('▶ next')) ?? lenses[0];
      t0 = performance.now();
      const hover = (await server.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: LARGE_FIRST_TRIAL_LINE + n - 1, character: 8 } })) as { contents?: { value: string } } | null;
      const hoverMs = performance.now() - t0;
      t0 = performance.now();
      await server.client.sendRequest('textDocument/codeLens', { textDocument: { uri } });
      const again = performance.now() - t0;
      rows.push(`| ${n} | ${first.toFixed(0)} ms | ${hoverMs.toFixed(0)} ms | ${again.toFixed(0)} ms | ${(next?.command?.title ?? '(none)').slice(0, 60)} | ${hover?.contents?.value.split('\n')[0]?.slice(0, 40) ?? '(no hover)'} |`);
      console.error(rows[rows.length - 1]);
    } finally {
      await server.dispose();
      await removeWorkspace(root);
    }
  }
  console.log('| trials | first code lens | hover | code lens again | lens | hover |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
