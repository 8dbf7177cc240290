// Which folder's .hyperbo/priors cache a command-line run shares with the editor. The language server keeps its
// cache in the first workspace folder; the CLI has no workspace, so it guesses the folder a user opens in VS Code.
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CACHE_DIR } from './cache';

const PROJECT_MARKERS = ['.vscode', '.git'];

/** True when `dir` is `ancestor` or inside it. */
function isWithin(dir: string, ancestor: string): boolean {
  const rel = path.relative(ancestor, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The experiment file's folder and its parents, nearest first; the home folder and the file system root left out. */
function foldersAbove(experimentFile: string): string[] {
  const home = path.resolve(os.homedir());
  const out: string[] = [];
  for (let dir = path.dirname(path.resolve(experimentFile)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (dir !== home) out.push(dir);
  }
  return out;
}

/**
 * The workspace folder for an experiment file run from `cwd`: the nearest folder above the file holding `.vscode` or
 * `.git` (the project as VS Code opens it); else the nearest one that already has a prior cache (.hyperbo/priors);
 * else `cwd` when the file is inside it; else the file's own folder. The home folder itself never counts, since
 * VS Code keeps its extensions in ~/.vscode.
 */
export function findWorkspaceRoot(experimentFile: string, cwd: string): string {
  const folders = foldersAbove(experimentFile);
  const project = folders.find((dir) => PROJECT_MARKERS.some((m) => existsSync(path.join(dir, m))));
  if (project) return project;
  const cached = folders.find((dir) => existsSync(path.join(dir, CACHE_DIR, 'priors')));
  if (cached) return cached;
  const file = path.resolve(experimentFile);
  return isWithin(path.dirname(file), path.resolve(cwd)) ? path.resolve(cwd) : path.dirname(file);
}
