// The "HyperBO Experiments" view: experiments → trials with status icons and values; refreshed from the
// server's notifications and the runner's events.
import * as vscode from 'vscode';
import type { ExperimentSummary, TrialDTO } from '../../shared/dto';
import { ListExperimentsRequest, TrialHistoryRequest } from '../../shared/protocol';
import type { ServerConnection } from '../languageClient';
import type { TrialRunner } from '../runner/trialRunner';
import { experimentItemModel, sortTrials, trialItemModel, type ItemModel } from './treeModel';

export interface ExperimentNode {
  kind: 'experiment';
  uri: string;
  summary: ExperimentSummary;
}

export interface TrialNode {
  kind: 'trial';
  uri: string;
  metric: string;
  trial: TrialDTO;
}

export type TreeNode = ExperimentNode | TrialNode;

export function isTreeNode(value: unknown): value is TreeNode {
  const v = value as Partial<TreeNode> | undefined;
  return typeof v === 'object' && v !== null && (v.kind === 'experiment' || v.kind === 'trial') && typeof v.uri === 'string';
}

function toTreeItem(model: ItemModel, collapsible: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(model.label, collapsible);
  item.description = model.description;
  item.tooltip = model.tooltip;
  item.contextValue = model.contextValue;
  item.iconPath = new vscode.ThemeIcon(model.icon, model.color ? new vscode.ThemeColor(model.color) : undefined);
  return item;
}

export class ExperimentsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private experiments: ExperimentSummary[] | undefined;
  private readonly nodes = new Map<string, ExperimentNode>();
  private readonly trials = new Map<string, TrialDTO[]>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly server: ServerConnection,
    private readonly runner: TrialRunner,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      server.onExperimentsChanged((summaries) => this.setExperiments(summaries)),
      server.onTrialUpdated(({ uri, trial }) => this.updateTrial(uri, trial)),
      runner.onDidChange(({ uri }) => this.refreshExperiment(uri)),
    );
  }

  /** The latest list from the server (undefined before the first answer). */
  get summaries(): readonly ExperimentSummary[] | undefined {
    return this.experiments;
  }

  refresh(): void {
    this.experiments = undefined;
    this.trials.clear();
    this.emitter.fire(undefined);
  }

  private setExperiments(summaries: ExperimentSummary[]): void {
    this.experiments = summaries;
    this.trials.clear();
    this.emitter.fire(undefined);
  }

  private updateTrial(uri: string, trial: TrialDTO): void {
    const list = this.trials.get(uri);
    if (!list) return;
    const index = list.findIndex((t) => t.id === trial.id);
    if (index >= 0) list[index] = trial;
    else list.push(trial);
    const node = this.nodes.get(uri);
    if (node) this.emitter.fire(node);
  }

  private refreshExperiment(uri: string): void {
    this.trials.delete(uri);
    const node = this.nodes.get(uri);
    this.emitter.fire(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'experiment') {
      const item = toTreeItem(experimentItemModel(node.summary), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `experiment:${node.uri}`;
      item.resourceUri = vscode.Uri.parse(node.uri);
      item.command = { command: 'vscode.open', title: 'Open Experiment', arguments: [vscode.Uri.parse(node.uri)] };
      return item;
    }
    const item = toTreeItem(trialItemModel(node.trial, node.metric, this.runner.state(node.uri, node.trial.id)), vscode.TreeItemCollapsibleState.None);
    item.id = `trial:${node.uri}#${node.trial.id}`;
    item.command = { command: 'hyperbo.revealTrial', title: 'Reveal in File', arguments: [node] };
    return item;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    try {
      if (!node) {
        this.experiments ??= await this.server.request0(ListExperimentsRequest.type);
        const nodes = this.experiments.map((summary): ExperimentNode => ({ kind: 'experiment', uri: summary.uri, summary }));
        this.nodes.clear();
        for (const n of nodes) this.nodes.set(n.uri, n);
        return nodes;
      }
      if (node.kind === 'trial') return [];
      let trials = this.trials.get(node.uri);
      if (!trials) {
        trials = (await this.server.request(TrialHistoryRequest.type, { uri: node.uri })).trials;
        this.trials.set(node.uri, trials);
      }
      return sortTrials(trials).map((trial): TrialNode => ({ kind: 'trial', uri: node.uri, metric: node.summary.metric, trial }));
    } catch (error) {
      this.log.error(`Experiments view: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.emitter.dispose();
  }
}
