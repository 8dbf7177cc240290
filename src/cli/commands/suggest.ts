// `hyperbo suggest`: condition a saved prior on observations and print the next configurations.
import { writeErr, writeOut } from '../print';
import { readFile } from 'node:fs/promises';
import { EngineError, Study, parsePrior, studyPriorFromFile, type AcquisitionKind, type Config, type OutputSpec, type TellResult } from '../../engine';
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
export function parseObservations(text: string, source: string): { config: Config; result: TellResult; line: number }[] {
  const out: { config: Config; result: TellResult; line: number }[] = [];
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
      out.push({ config: row.params, result: { status: row.status }, line: i + 1 });
    } else if (typeof row.value === 'number' || row.value === null || row.value === 'NaN') {
      const value = typeof row.value === 'number' ? row.value : Number.NaN;
      out.push({ config: row.params, result: Number.isFinite(value) ? value : { status: 'diverged' }, line: i + 1 });
    } else {
      throw new UsageError(`${source}:${i + 1}: needs a numeric "value" or "status": "failed" | "diverged".`, 1);
    }
  });
  return out;
}

/** The observations file's text; a file that does not exist yet means no trials (said on stderr, in case of a typo). */
async function readObservations(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      writeErr(`${file} does not exist yet: suggesting with no observations.\n`);
      return '';
    }
    throw new UsageError(`Cannot read the observations ${file}: ${(error as Error).message}`, 1);
  }
}

const describeOutput = (o: OutputSpec): string =>
  o.warp === 'log' ? `the log of a ${o.goal === 'minimize' ? 'minimised' : 'maximised'} value ≥ 0` : o.warp === 'log1m' ? 'log(1 − value), value ≤ 1' : 'any finite value';

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
    writeOut(USAGE + '\n');
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
  const observations = values.observations ? parseObservations(await readObservations(values.observations), values.observations) : [];

  const study = new Study({
    space: loaded.space,
    output: loaded.output,
    prior: studyPriorFromFile(loaded),
    acquisition: { kind: kind as AcquisitionKind },
    seed,
  });
  for (const { config, result, line } of observations) {
    const where = `${values.observations}:${line}`;
    let trial;
    try {
      trial = study.tell(config, result);
    } catch (error) {
      throw new UsageError(`${where}: ${(error as Error).message}`, 1);
    }
    // The study records a value its output rule cannot take (e.g. a negative value under a log warp) as failed.
    if (typeof result === 'number' && trial.status === 'failed') {
      writeErr(`${where}: value ${result} is outside what the prior models (${describeOutput(loaded.output)}); this observation is ignored.\n`);
    }
    if (!loaded.space.contains(config)) {
      const bounds = loaded.space.params.map((p) => (p.type === 'categorical' ? `${p.name} in {${p.choices.join(', ')}}` : `${p.name} in [${p.low}, ${p.high}]`));
      writeErr(`${where}: the configuration is outside the prior's search space (${bounds.join(', ')}); it is used as given.\n`);
    }
  }
  for (const s of study.ask(count)) {
    writeOut(
      JSON.stringify({ params: s.config, predicted: s.predicted.value, sd: s.predicted.sd, acquisition: s.acquisition }) + '\n',
    );
  }
  return 0;
}
