// The experiments in the workspace: every `*.hyperbo.yaml` on disk plus open documents (whose text wins
// over the disk). Each entry keeps its diagnostics and the last state that parsed and validated, so a
// broken edit never loses the experiment.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-types';
import { INDEX_LIMITS, listFiles } from '../../priors/listing';
import { UserError } from './errors';
import type { Experiment } from '../../formats/experiment';

export { isExperimentFile } from '../../priors/sources';

export const EXPERIMENT_GLOB = '**/*.hyperbo.yaml';

export interface ParseOutcome {
  /** Present when the text parsed and validated well enough to use. */
  experiment?: Experiment;
  diagnostics: Diagnostic[];
}

/** `previous`: the entry's text before this one (an edit of it), when there is one. */
export type ExperimentParser = (text: string, fsPath: string, previous?: string) => ParseOutcome;

export interface ExperimentEntry {
  uri: string;
  fsPath: string;
  text: string;
  /** Document version when open in the editor, undefined when read from disk. */
  version?: number;
  diagnostics: Diagnostic[];
  /**
   * The parsed experiment (formats/experiment.ts) of the current text, or the last good one when the current text is
   * broken; where things are in the text comes from the current text's structure index, never from here.
   */
  experiment?: Experiment;
}

/** An entry with a valid state (the current text's, or the last good one). */
export type ValidEntry = ExperimentEntry & { experiment: Experiment };

export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

export function pathToUri(fsPath: string): string {
  return pathToFileURL(fsPath).toString();
}

/** Normalises a file URI (encoding differences between clients) so map keys match. */
export function normalizeUri(uri: string): string {
  return uri.startsWith('file:') ? pathToUri(uriToPath(uri)) : uri;
}

export class WorkspaceIndex {
  /** Set when the last scan stopped at a bound, with what to tell the user. */
  limitHit: string | undefined;
  private readonly entries = new Map<string, ExperimentEntry>();
  private readonly open = new Set<string>();

  constructor(
    private readonly roots: readonly string[],
    private readonly parse: ExperimentParser,
  ) {}

  /**
   * Finds every experiment file under the roots and loads it. Returns their URIs. The listing prior.from uses
   * (src/priors/listing.ts): links are followed only while they stay inside a workspace folder, each real file is
   * indexed once (a loop ends), and the walk stops at INDEX_LIMITS (this.limitHit says which); files found later
   * are indexed when opened or changed. The signal cancels the walk.
   */
  async scan(signal?: AbortSignal): Promise<string[]> {
    const found = new Set<string>();
    this.limitHit = undefined;
    for (const root of this.roots) {
      const listing = await listFiles(root, [EXPERIMENT_GLOB], { roots: this.roots, limits: INDEX_LIMITS, signal });
      if (listing.limit) {
        this.limitHit = `The search for experiment files under ${root} ${listing.limit.message}, the limit (INDEX_LIMITS.${listing.limit.name}); files not found are indexed when opened.`;
      }
      for (const f of listing.files) {
        const uri = pathToUri(path.resolve(f));
        if (found.has(uri)) continue;
        found.add(uri);
        if (!this.open.has(uri)) await this.reloadFromDisk(uri);
      }
    }
    return [...found];
  }

  get(uri: string): ExperimentEntry | undefined {
    return this.entries.get(normalizeUri(uri));
  }

  /** The experiment a request is about; an unknown file or one with no valid state yet is the user's to fix. */
  experiment(uri: string): ValidEntry {
    const entry = this.get(uri);
    if (!entry) throw new UserError(`No experiment file ${uri} in the workspace.`);
    if (!entry.experiment) {
      const first = entry.diagnostics[0];
      throw new UserError(
        `${path.basename(entry.fsPath)} has errors and no earlier valid state` +
          (first ? ` (line ${first.range.start.line + 1}: ${first.message})` : '') +
          '.',
      );
    }
    return entry as ValidEntry;
  }

  all(): ExperimentEntry[] {
    return [...this.entries.values()].sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  }

  isOpen(uri: string): boolean {
    return this.open.has(normalizeUri(uri));
  }

  /** An editor opened or changed the document: its text replaces the disk's. */
  setDocument(uri: string, text: string, version: number): ExperimentEntry {
    const key = normalizeUri(uri);
    this.open.add(key);
    return this.update(key, text, version);
  }

  /** The editor closed the document: go back to the file on disk (or forget it when it is gone). */
  async closeDocument(uri: string): Promise<ExperimentEntry | undefined> {
    const key = normalizeUri(uri);
    this.open.delete(key);
    return this.reloadFromDisk(key);
  }

  /** Re-reads a file after a change on disk; open documents keep the editor's text. */
  async reloadFromDisk(uri: string): Promise<ExperimentEntry | undefined> {
    const key = normalizeUri(uri);
    if (this.open.has(key)) return this.entries.get(key);
    let text: string;
    try {
      text = await readFile(uriToPath(key), 'utf8');
    } catch {
      this.entries.delete(key);
      return undefined;
    }
    const existing = this.entries.get(key);
    if (existing && existing.text === text && existing.version === undefined) return existing;
    return this.update(key, text, undefined);
  }

  delete(uri: string): void {
    const key = normalizeUri(uri);
    if (!this.open.has(key)) this.entries.delete(key);
  }

  private update(key: string, text: string, version: number | undefined): ExperimentEntry {
    const fsPath = uriToPath(key);
    const previous = this.entries.get(key);
    if (previous && previous.text === text) {
      // The same text (a file opened as it is on disk, a save): the parse would give the same outcome.
      const same: ExperimentEntry = { ...previous, version };
      this.entries.set(key, same);
      return same;
    }
    let outcome: ParseOutcome;
    try {
      outcome = this.parse(text, fsPath, previous?.text);
    } catch (error) {
      // The parser should never throw; if it does, report it on the first line and keep the last state.
      outcome = {
        diagnostics: [
          {
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
            severity: 1,
            source: 'hyperbo',
            message: `Internal error while reading this file: ${(error as Error).message}`,
          },
        ],
      };
    }
    const entry: ExperimentEntry = {
      uri: key,
      fsPath,
      text,
      version,
      diagnostics: outcome.diagnostics,
      experiment: outcome.experiment ?? previous?.experiment,
    };
    this.entries.set(key, entry);
    return entry;
  }
}
