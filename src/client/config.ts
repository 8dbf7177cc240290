// Typed access to the `hyperbo` settings the client itself reads. The server pulls its own settings
// (pretrain.*, logs.*, suggestions.count, prior.allowAbsolutePaths) per request, so changing those needs no restart.
import * as vscode from 'vscode';

export type SavePolicy = 'ifClean' | 'always' | 'never';

export class Config {
  private section(scope?: vscode.Uri): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('hyperbo', scope);
  }

  inlineSuggestions(scope?: vscode.Uri): boolean {
    return this.section(scope).get<boolean>('suggestions.inline', true);
  }

  suggestionCount(scope?: vscode.Uri): number {
    const n = this.section(scope).get<number>('suggestions.count', 1);
    return Number.isInteger(n) && n >= 1 && n <= 16 ? n : 1;
  }

  savePolicy(scope?: vscode.Uri): SavePolicy {
    const value = this.section(scope).get<string>('runner.saveAfterStatusChange', 'ifClean');
    return value === 'always' || value === 'never' ? value : 'ifClean';
  }

  killGraceMs(): number {
    const n = this.section().get<number>('runner.killGraceMs', 3000);
    return Number.isFinite(n) && n >= 0 ? n : 3000;
  }

  /** How often a scheduler's jobs are polled: hyperbo.logs.pollInterval, at least 1 s. */
  jobPollMs(): number {
    const n = this.section().get<number>('logs.pollInterval', 1000);
    return Number.isFinite(n) ? Math.max(1000, n) : 1000;
  }

  /** The effective settings, for the log. */
  describe(): string {
    const s = this.section();
    const keys = ['pretrain.auto', 'pretrain.steps', 'pretrain.optimizer', 'logs.pollInterval', 'suggestions.count', 'suggestions.inline', 'prior.allowAbsolutePaths', 'runner.saveAfterStatusChange', 'runner.killGraceMs', 'trace.server'];
    return keys.map((k) => `${k}=${JSON.stringify(s.get(k))}`).join(', ');
  }
}
