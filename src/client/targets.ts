// What a command acts on. Commands are called from the palette (no arguments), code lenses (uri, index),
// the tree (a node), the editor title (a Uri) and tests (uri, trialId); each resolves to an experiment or a
// trial, asking with a quick pick only when nothing else says which.
import * as vscode from 'vscode';
import type { TrialDTO, TrialStatus } from '../shared/dto';
import { ListExperimentsRequest, TrialHistoryRequest } from '../shared/protocol';
import type { Ctx } from './ctx';
import { UserFacingError } from './errors';
import { isTreeNode } from './tree/experimentsTree';
import { formatNumber, formatParams } from '../shared/numbers';

export const isExperimentUri = (uri: vscode.Uri): boolean => uri.path.endsWith('.hyperbo.yaml');

/** A URI string from a string (URI or absolute path), a Uri or a tree node. */
export function uriFromArgument(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.toString();
  if (isTreeNode(arg)) return arg.uri;
  if (typeof arg === 'string' && arg !== '') return /^[a-z][\w+.-]*:/i.test(arg) ? vscode.Uri.parse(arg).toString() : vscode.Uri.file(arg).toString();
  return undefined;
}

/** The experiment a command applies to: its argument, the active experiment editor or HyperBO panel, or a pick. */
export async function resolveExperiment(ctx: Ctx, arg: unknown, purpose: string): Promise<string | undefined> {
  const given = uriFromArgument(arg);
  if (given) return given;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isExperimentUri(active)) return active.toString();
  // From a focused panel (e.g. Show Posterior while reading the Suggestions panel): that panel's experiment.
  const panel = ctx.panels.activeExperiment();
  if (panel) return panel;
  const experiments = await ctx.server.request0(ListExperimentsRequest.type);
  if (experiments.length === 0) {
    throw new UserFacingError('There is no experiment (*.hyperbo.yaml) in this workspace yet.', [
      { title: 'New Experiment', run: () => vscode.commands.executeCommand('hyperbo.newExperiment') },
    ]);
  }
  if (experiments.length === 1) return experiments[0]!.uri;
  const picked = await vscode.window.showQuickPick(
    experiments.map((e) => ({
      label: e.name,
      description: vscode.workspace.asRelativePath(vscode.Uri.parse(e.uri)),
      detail: `${e.trials.completed}${e.budget !== undefined ? `/${e.budget}` : ''} trials done${e.best ? `, best ${e.metric} ${formatNumber(e.best.value)}` : ''}`,
      uri: e.uri,
    })),
    { title: `HyperBO: ${purpose}`, placeHolder: 'Which experiment?' },
  );
  return picked?.uri;
}

export interface TrialTarget {
  uri: string;
  trial: TrialDTO;
  metric: string;
}

/** The trial a command applies to: a tree node, (uri, trialId), or a pick among the experiment's trials with these statuses. */
export async function resolveTrial(ctx: Ctx, arg: unknown, trialArg: unknown, purpose: string, statuses?: readonly TrialStatus[]): Promise<TrialTarget | undefined> {
  if (isTreeNode(arg) && arg.kind === 'trial') return { uri: arg.uri, trial: arg.trial, metric: arg.metric };
  const uri = await resolveExperiment(ctx, arg, purpose);
  if (!uri) return undefined;
  const history = await ctx.server.request(TrialHistoryRequest.type, { uri });
  const id = typeof trialArg === 'number' ? trialArg : typeof trialArg === 'string' && /^\d+$/.test(trialArg) ? Number(trialArg) : undefined;
  if (id !== undefined) {
    const trial = history.trials.find((t) => t.id === id);
    if (!trial) throw new UserFacingError(`There is no trial ${id} in ${history.experiment}.`);
    return { uri, trial, metric: history.metric };
  }
  const candidates = history.trials.filter((t) => !statuses || statuses.includes(ctx.runner.state(uri, t.id) === 'running' ? 'running' : t.status));
  if (candidates.length === 0) {
    const which = statuses ? statuses.join(' or ') : 'any';
    throw new UserFacingError(`${history.experiment} has no ${which} trial to ${purpose.toLowerCase()}.`);
  }
  const picked = await vscode.window.showQuickPick(
    [...candidates].reverse().map((t) => ({
      label: `Trial ${t.id}`,
      description: `${ctx.runner.state(uri, t.id) ?? t.status}${t.value !== undefined ? ` · ${history.metric} ${formatNumber(t.value)}` : ''}`,
      detail: formatParams(t.params),
      trial: t,
    })),
    { title: `HyperBO: ${purpose}`, placeHolder: `Which trial of ${history.experiment}?` },
  );
  return picked && { uri, trial: picked.trial, metric: history.metric };
}
