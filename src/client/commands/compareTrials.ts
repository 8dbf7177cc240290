// Compare Trial with Best: a trial and the best completed one side by side in VS Code's diff editor, each written out
// as a read-only YAML document (trialDocument) under the hyperbo-trial: scheme; Next/Previous Trial step the right
// side through the experiment's trials. A document follows its trial: a run that ends while it is open shows its result
// (and which trial is the best).
import * as vscode from 'vscode';
import { TrialHistoryRequest } from '../../shared/protocol';
import type { TrialDTO } from '../../shared/dto';
import { adjacentTrial, bestTrial } from '../../shared/trials';
import type { Ctx } from '../ctx';
import { UserFacingError } from '../errors';
import { resolveTrial } from '../targets';
import { trialDocument } from '../trialDocument';

export const TRIAL_SCHEME = 'hyperbo-trial';

/**
 * The document of one trial: the tab reads "<experiment> trial N.yaml"; the query names the file and the trial, and
 * the role it was opened in. The role only keeps tabs apart: VS Code reuses a diff tab, title and all, for the same two
 * URIs, so "trial 2 (best) ↔ trial 3" must not be found again once trial 3 has become the best.
 */
function trialDocumentUri(experimentUri: string, experiment: string, trialId: number, role?: string): vscode.Uri {
  const query = new URLSearchParams({ uri: experimentUri, id: String(trialId), ...(role ? { role } : {}) });
  return vscode.Uri.from({ scheme: TRIAL_SCHEME, path: `/${experiment} trial ${trialId}.yaml`, query: query.toString() });
}

function parseTrialDocumentUri(uri: vscode.Uri): { experimentUri: string; trialId: number } | undefined {
  const query = new URLSearchParams(uri.query);
  const experimentUri = query.get('uri');
  const trialId = Number(query.get('id'));
  if (!experimentUri || !Number.isInteger(trialId)) return undefined;
  return { experimentUri, trialId };
}

class TrialDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** What the documents show of each updated trial, by "<experiment uri>#<id>": a running trial's new curve point changes none of it. */
  private readonly shown = new Map<string, string>();

  constructor(private readonly ctx: Ctx) {
    // Every open document of the experiment: the trial's own, and the others, one of which may no longer be the best.
    this.subscription = ctx.server.onTrialUpdated(({ uri, trial }) => {
      const open = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === TRIAL_SCHEME && parseTrialDocumentUri(d.uri)?.experimentUri === uri);
      if (open.length === 0) return;
      const { status, value, step, reason, params, started, finished, log, job } = trial;
      const signature = JSON.stringify([status, value, step, reason, params, started, finished, log, job]);
      const key = `${uri}#${trial.id}`;
      if (this.shown.get(key) === signature) return;
      this.shown.set(key, signature);
      for (const document of open) this.changed.fire(document.uri);
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const shown = parseTrialDocumentUri(uri);
    if (!shown) return '# Not a HyperBO trial document.\n';
    let history;
    try {
      history = await this.ctx.server.request(TrialHistoryRequest.type, { uri: shown.experimentUri });
    } catch (error) {
      // The file was removed or no longer parses: say so in the document instead of an empty editor.
      return `# Trial ${shown.trialId} cannot be shown: ${error instanceof Error ? error.message : String(error)}\n`;
    }
    const trial = history.trials.find((t) => t.id === shown.trialId);
    if (!trial) return `# Trial ${shown.trialId} is no longer in ${history.experiment}.\n`;
    // Whether it is the best is read as the document is drawn: a run that ends while it is open may take that place.
    return trialDocument(history, trial, bestTrial(history.trials, history.goal)?.id === trial.id ? 'best' : undefined);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export function registerTrialDocuments(ctx: Ctx): void {
  const documents = new TrialDocuments(ctx);
  ctx.push(documents, vscode.workspace.registerTextDocumentContentProvider(TRIAL_SCHEME, documents));
}

interface Side {
  trial: TrialDTO;
  role?: string;
}

async function showDiff(experimentUri: string, experiment: string, left: Side, right: Side): Promise<{ left: number; right: number }> {
  const side = (s: Side) => trialDocumentUri(experimentUri, experiment, s.trial.id, s.role);
  const label = (s: Side) => `trial ${s.trial.id}${s.role ? ` (${s.role})` : ''}`;
  await vscode.commands.executeCommand('vscode.diff', side(left), side(right), `${experiment}: ${label(left)} ↔ ${label(right)}`, { preview: true });
  return { left: left.trial.id, right: right.trial.id };
}

/**
 * Steps the right side of the active trial comparison to the next (or previous) trial by id, the left side kept.
 * Returns the two trial ids now compared, or undefined at either end (the status bar says so).
 */
export async function stepComparison(ctx: Ctx, step: 1 | -1): Promise<{ left: number; right: number } | undefined> {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const isComparison = input instanceof vscode.TabInputTextDiff && input.original.scheme === TRIAL_SCHEME && input.modified.scheme === TRIAL_SCHEME;
  const left = isComparison ? parseTrialDocumentUri(input.original) : undefined;
  const right = isComparison ? parseTrialDocumentUri(input.modified) : undefined;
  if (!left || !right) throw new UserFacingError('No trial comparison is open: run Compare Trial with Best first.');
  const history = await ctx.server.request(TrialHistoryRequest.type, { uri: right.experimentUri });
  const leftTrial = history.trials.find((t) => t.id === left.trialId);
  const nextTrial = adjacentTrial(history.trials, right.trialId, step, left.trialId);
  if (!leftTrial || !nextTrial) {
    vscode.window.setStatusBarMessage(`HyperBO: trial ${right.trialId} is the ${step > 0 ? 'last' : 'first'} trial to compare`, 4000);
    return undefined;
  }
  const best = bestTrial(history.trials, history.goal);
  const role = (t: TrialDTO) => (t.id === best?.id ? 'best' : undefined);
  return showDiff(right.experimentUri, history.experiment, { trial: leftTrial, role: role(leftTrial) }, { trial: nextTrial, role: role(nextTrial) });
}

/**
 * The best completed trial (left) against the trial (right); for the best trial itself, the trial before it against
 * it. Returns the two trial ids compared.
 */
export async function compareTrialWithBest(ctx: Ctx, arg: unknown, trialArg: unknown): Promise<{ left: number; right: number } | undefined> {
  const target = await resolveTrial(ctx, arg, trialArg, 'Compare Trial with Best');
  if (!target) return undefined;
  const history = await ctx.server.request(TrialHistoryRequest.type, { uri: target.uri });
  const best = bestTrial(history.trials, history.goal);
  if (!best) throw new UserFacingError(`${history.experiment} has no completed trial yet to compare trial ${target.trial.id} with.`);
  let left: Side = { trial: best, role: 'best' };
  let right: Side = { trial: target.trial };
  if (best.id === target.trial.id) {
    const earlier = adjacentTrial(history.trials, best.id, -1) ?? adjacentTrial(history.trials, best.id, 1);
    if (!earlier) throw new UserFacingError(`Trial ${best.id} is the only trial of ${history.experiment}: there is nothing to compare it with.`);
    left = { trial: earlier };
    right = { trial: best, role: 'best' };
  }
  return showDiff(target.uri, history.experiment, left, right);
}
