// What every panel gets from main: the palette of the current theme and the typed channel to the host.
import type { Palette } from '../model/palette';
import type { FromWebview, ToWebview } from '../../shared/webviewProtocol';

export interface PanelContext {
  palette(): Palette;
  post(message: FromWebview): void;
}

export interface Panel {
  /** Handles a data message meant for this panel; returns false if it is not one. */
  receive(message: ToWebview): boolean;
  /** Redraws plots with the current palette (theme change). */
  themeChanged(): void;
}
