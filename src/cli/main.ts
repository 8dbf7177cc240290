// The `hyperbo` command line: the same engine as the extension, headless.
import { writeErr, writeOut } from './print';
import { version } from '../../package.json';
import { EngineError, wasmLinalgAvailable } from '../engine';
import { UsageError } from './args';

const USAGE = `hyperbo — Bayesian optimisation with pre-trained Gaussian-process priors (HyperBO)

Usage:
  hyperbo tune EXPERIMENT.hyperbo.yaml [--trials N] [--seed S] [--dry-run] [--workspace DIR]
      Pre-train the experiment's prior (cached where the editor finds it), then ask → run → tell in a loop; prints a
      table and the best configuration. --dry-run prints the next suggestions without running anything or changing the file.
  hyperbo pretrain --data FILE... --metric NAME [--goal minimize|maximize] [--objective nll|ekl|auto] [--out prior.json]
      Learn a GP prior from multi-task tuning data (PD1 JSONL(.gz) or HPOBench task JSON).
  hyperbo suggest --prior prior.json --observations obs.jsonl [--n K]
      Print K suggested configurations as JSON lines.
  hyperbo train --dataset D --model M --batch-size N --learning-rate LR ... --out LOG.jsonl
      The example training script (an MLP with SGD + Nesterov momentum and polynomial decay) used by examples/.
  hyperbo bench regret --data FILE... --metric NAME [--goal G] --budget B --seeds S --methods LIST [--json OUT] [--md OUT] [--svg OUT]
      Leave-one-task-out regret benchmark against random search, zero-shot transfer, Optuna TPE and a single-task GP.

Run "hyperbo COMMAND --help" for a command's options; "hyperbo --version" prints the version.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      // No command is a usage error: the usage goes to stderr with exit code 2.
      writeErr(USAGE + '\n');
      return 2;
    case 'help':
    case '--help':
    case '-h':
      writeOut(USAGE + '\n');
      return 0;
    case 'version':
    case '--version':
    case '-v':
      writeOut(
        `hyperbo ${version} (Node ${process.versions.node}; linear algebra: ${wasmLinalgAvailable() ? 'WebAssembly SIMD' : 'TypeScript, no WebAssembly SIMD here'})\n`,
      );
      return 0;
    case 'pretrain':
      return (await import('./commands/pretrain')).run(rest);
    case 'suggest':
      return (await import('./commands/suggest')).run(rest);
    case 'tune':
      return (await import('./commands/tune')).run(rest);
    case 'train':
      return (await import('./commands/train')).run(rest);
    case 'bench':
      return (await import('./commands/bench')).run(rest);
    default:
      throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

// A reader that goes away (`hyperbo tune … | head`) ends the output, not the command: a session goes on running and
// recording its trials in the file, with no stack trace; any other stream error is still thrown.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      writeErr(`hyperbo: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else if (error instanceof EngineError || (error instanceof Error && error.name === 'DataError')) {
      writeErr(`hyperbo: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      writeErr(`hyperbo: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 70;
    }
  },
);
