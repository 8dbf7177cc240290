// `hyperbo suggest`: condition a saved prior on observations and print the next configurations.
import { readFile } from 'node:fs/promises';
import { EngineError, Study, parsePrior, studyPriorFromFile, type Config, type TellResult, type AcquisitionKind } from '../../engine';
import { optionalInt, parse, requireString, UsageError } from '../args';

const USAGE = `Usage: hyperbo suggest --prior prior.json --observations obs.jsonl [--n K] [--acquisition ucb|ei|pi] [--seed S]

obs.jsonl holds one finished trial per line: {"params": {"learning_rate": 0.01, ...}, "value": 0.23}
(or "status": "failed" | "diverged" instead of a value). An empty or missing file means no trials yet.
Prints K configurations as JSON lines with their predicted value ± sd in the metric's units.`;

interface ObservationLine {
  params?: Config;
  value?: unknown;
  status?: unknown;
}

/** Parses observation lines, naming the line of any problem. */
export function parseObservations(text: string, source: string): { config: Config; result: TellResult }[] {
  const out: { config: Config; result: TellResult }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let row: ObservationLine;
    try {
      row = JSON.parse(line) as ObservationLine;
    } catch {
      throw new UsageError(`${source}:${i + 1}: not valid JSON.`, 1);
    }
    if (!row || typeof row !== 'object' || !row.params || typeof row.params !== 'object') {
      throw new UsageError(`${source}:${i + 1}: each line needs a "params" object.`, 1);
    }
    if (row.status === 'failed' || row.status === 'diverged') {
      out.push({ config: row.params, result: { status: row.status } });
    } else if (typeof row.value === 'number' || row.value === null || row.value === 'NaN') {
      const value = typeof row.value === 'number' ? row.value : Number.NaN;
      out.push({ config: row.params, result: Number.isFinite(value) ? value : { status: 'diverged' } });
    } else {
      throw new UsageError(`${source}:${i + 1}: needs a numeric "value" or "status": "failed" | "diverged".`, 1);
    }
  });
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      prior: { type: 'string' },
      observations: { type: 'string' },
      n: { type: 'string' },
      acquisition: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const priorPath = requireString(values.prior, '--prior', USAGE);
  const count = optionalInt(values.n, '--n', 1);
  const seed = optionalInt(values.seed, '--seed', 0, 0);
  const kind = values.acquisition ?? 'ucb';
  if (!['ucb', 'ei', 'pi'].includes(kind)) throw new UsageError(`--acquisition must be ucb, ei or pi; got "${kind}".`);

  let priorText: string;
  try {
    priorText = await readFile(priorPath, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the prior ${priorPath}: ${(error as Error).message}`, 1);
  }
  let loaded;
  try {
    loaded = parsePrior(priorText);
  } catch (error) {
    throw new EngineError(`${priorPath}: ${(error as Error).message}`);
  }
  const observations = values.observations
    ? parseObservations(await readFile(values.observations, 'utf8').catch(() => ''), values.observations)
    : [];

  const study = new Study({
    space: loaded.space,
    output: loaded.output,
    prior: studyPriorFromFile(loaded),
    acquisition: { kind: kind as AcquisitionKind },
    seed,
  });
  for (const { config, result } of observations) {
    try {
      study.tell(config, result);
    } catch (error) {
      throw new EngineError(`${values.observations}: ${(error as Error).message}`);
    }
  }
  for (const s of study.ask(count)) {
    process.stdout.write(
      JSON.stringify({ params: s.config, predicted: s.predicted.value, sd: s.predicted.sd, acquisition: s.acquisition }) + '\n',
    );
  }
  return 0;
}
