// A pristine copy of the repository's examples/ for tests that open or tune it. The README's main job
// (`npx hyperbo tune examples/digits-mlp.hyperbo.yaml`) appends trials to the tracked example files and leaves
// training logs in examples/runs/; a test must not see either, so the copy leaves out runs/ and the prior cache and
// empties every experiment file's `trials:`. Tests therefore pass whatever state a user's session left examples/ in.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..');

/** Folders of examples/ that sessions create and tests must not inherit. */
const LEFT_OUT = new Set(['runs', '.hyperbo', 'node_modules', '__pycache__']);

/**
 * The text of an experiment file with its top-level `trials:` replaced by `trials: []`; everything else (comments,
 * other keys, also ones after trials) is kept byte for byte.
 */
export function withoutTrials(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^trials\s*:/.test(l));
  if (start < 0) return text;
  let end = start + 1;
  // The block runs to the next top-level key (a line that starts with neither a space nor a comment).
  while (end < lines.length && (lines[end] === '' || /^[\s#-]/.test(lines[end]!))) end++;
  const rest = lines.slice(end);
  return [...lines.slice(0, start), 'trials: []', ...(rest.length ? rest : [''])].join('\n');
}

/** Copies folder `from` to `to`, leaving out what sessions create and emptying experiment files' trials. */
export function copyPristine(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (LEFT_OUT.has(name)) continue;
    const source = join(from, name);
    const target = join(to, name);
    if (statSync(source).isDirectory()) copyPristine(source, target);
    else if (name.endsWith('.hyperbo.yaml')) writeFileSync(target, withoutTrials(readFileSync(source, 'utf8')));
    else cpSync(source, target);
  }
}

/**
 * Copies examples/ (pristine, see above) to `workspace` and the repository's data/ to `workspace/../data`, where the
 * example's `prior.from: ../data/…` looks for it. Returns `workspace`.
 */
export function copyExampleWorkspace(workspace: string, options: { data?: boolean } = {}): string {
  copyPristine(join(REPO_ROOT, 'examples'), workspace);
  const data = join(workspace, '..', 'data');
  if (options.data !== false && !existsSync(data)) cpSync(join(REPO_ROOT, 'data'), data, { recursive: true });
  return workspace;
}

/** Copies one folder inside examples/ (e.g. `sklearn-digits`) pristine to `target`. */
export function copyExampleFolder(name: string, target: string): string {
  copyPristine(join(REPO_ROOT, 'examples', name), target);
  return target;
}
