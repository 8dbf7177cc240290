// Everything a feature needs, built once at activation. Disposables live as long as the extension; the
// language client's own lifetime is managed by ServerConnection (a restart disposes only its part).
import * as vscode from 'vscode';
import type { Panels } from './panels';
import type { Config } from './config';
import type { ExperimentEditor } from './experimentEditor';
import type { ServerConnection } from './languageClient';
import type { ForeignRuleStops } from './runner/ruleStops';
import type { StrayRuns } from './runner/strays';
import type { TrialRunner } from './runner/trialRunner';
import type { StatusItem } from './status';
import type { ExperimentsTree } from './tree/experimentsTree';

export interface Ctx {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly config: Config;
  readonly server: ServerConnection;
  readonly editor: ExperimentEditor;
  readonly runner: TrialRunner;
  readonly strays: StrayRuns;
  /** run.stopping's orders for runs another session started (runner/ruleStops.ts). */
  readonly ruleStops: ForeignRuleStops;
  readonly tree: ExperimentsTree;
  readonly status: StatusItem;
  readonly panels: Panels;
  /** Registers an extension-lifetime disposable. */
  push(...disposables: vscode.Disposable[]): void;
}
