// What the prior pipeline reads from an experiment (the parser's one model, formats/experiment.ts), derived in one
// place for the editor and the CLI, so both describe (and hash) the same experiment identically. Related experiments
// named in prior.from are read from disk here for the CLI; the server reads them from its workspace index (their
// trials refined by logs).
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ParamSpec } from '../engine';
import { parseExperiment, type Experiment, type Parameter, type PriorSpec } from '../formats/experiment';
import type { RelatedTrial } from './pretrain';

/** The name an experiment without `name` gets when the parser has no file name either. */
export const UNNAMED_EXPERIMENT = 'experiment';

/** The experiment's name: `name`, else the file's (the parser's default), else UNNAMED_EXPERIMENT. */
export const experimentName = (experiment: Pick<Experiment, 'name'>): string => experiment.name ?? UNNAMED_EXPERIMENT;

/** The search space as the engine takes it (source ranges dropped). */
export function paramSpecsOf(searchSpace: readonly Parameter[]): ParamSpec[] {
  return searchSpace.map((p): ParamSpec =>
    p.type === 'categorical'
      ? { name: p.name, type: 'categorical', choices: p.choices }
      : { name: p.name, type: p.type, low: p.low, high: p.high, scale: p.scale },
  );
}

/** The prior section with its defaults (no `prior`: an empty prior.from, a GP fitted to the experiment alone). */
export function priorSectionOf(experiment: Pick<Experiment, 'prior'>): PriorSpec {
  return experiment.prior ?? { from: [], objective: 'auto', exclude: [] };
}

/** A related experiment read for pre-training, or why it cannot be used. */
export type RelatedRead = { name: string; trials: RelatedTrial[] } | { unusable: string };

/**
 * A related experiment file from disk: its name and the trials the file records as completed with a finite value.
 * A file that cannot be read or has errors is unusable, with the reason (its first error's line).
 */
export async function readRelatedExperiment(file: string): Promise<RelatedRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { unusable: `cannot read it: ${(error as Error).message}` };
  }
  const parsed = parseExperiment(text, { fileName: path.basename(file) });
  if (!parsed.ok || !parsed.experiment) {
    const first = parsed.diagnostics.find((d) => d.severity === 'error');
    const line = first ? text.slice(0, first.range.start).split('\n').length : undefined;
    return { unusable: first ? `it has errors (line ${line}: ${first.message})` : 'it has errors' };
  }
  const e = parsed.experiment;
  const trials = e.trials
    .filter((t) => t.status === 'completed' && t.value !== undefined && Number.isFinite(t.value))
    .map((t) => ({ params: t.params, value: t.value! }));
  return { name: experimentName(e), trials };
}
