// The panels' public surface for the client: register once at activation, then show/update panels.
import type * as vscode from 'vscode';
import { PanelManager, type PanelDeps, type Panels } from './panelManager';

export type { PanelDeps, Panels } from './panelManager';
export { PanelManager, suggestionCount, contourResolution } from './panelManager';
export { viewTypes } from './html';

/** Registers the panel serializers (so panels restore after a reload) and returns the panel controller. */
export function registerPanels(context: Pick<vscode.ExtensionContext, 'extensionUri' | 'subscriptions'>, deps: PanelDeps): Panels {
  const manager = new PanelManager(context.extensionUri, deps);
  context.subscriptions.push(manager);
  return manager;
}
