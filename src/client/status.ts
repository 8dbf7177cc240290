// A status bar item with server health and the active experiment's progress (trials done/budget, best).
import * as vscode from 'vscode';
import type { ExperimentSummary } from '../shared/dto';
import type { ServerConnection } from './languageClient';
import { statusModel } from './statusModel';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('hyperbo.status', vscode.StatusBarAlignment.Left, 50);
  private summaries: ExperimentSummary[] = [];
  /** The experiment last shown in an editor; stays selected when focus moves elsewhere. */
  private activeUri: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly server: ServerConnection) {
    this.item.name = 'HyperBO';
    this.item.command = 'hyperbo.showOutput';
    this.disposables.push(
      this.item,
      server.onHealth(() => this.render()),
      server.onExperimentsChanged((summaries) => {
        this.summaries = summaries;
        this.render();
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        const uri = editor?.document.uri;
        if (uri && uri.fsPath.endsWith('.hyperbo.yaml')) {
          this.activeUri = uri.toString();
          this.render();
        }
      }),
    );
    const uri = vscode.window.activeTextEditor?.document.uri;
    if (uri?.fsPath.endsWith('.hyperbo.yaml')) this.activeUri = uri.toString();
  }

  /** The experiment the status describes: the active one, else the only one. */
  activeExperiment(): ExperimentSummary | undefined {
    const match = this.summaries.find((s) => s.uri === this.activeUri || vscode.Uri.parse(s.uri).toString() === this.activeUri);
    return match ?? (this.summaries.length === 1 ? this.summaries[0] : undefined);
  }

  /** Shown once the server has been started. */
  render(): void {
    const { health, detail } = this.server.health;
    const model = statusModel(health, this.activeExperiment(), detail);
    this.item.text = model.text;
    const tooltip = new vscode.MarkdownString(model.tooltip);
    tooltip.isTrusted = false;
    tooltip.supportHtml = false;
    tooltip.supportThemeIcons = false;
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      model.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : model.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
