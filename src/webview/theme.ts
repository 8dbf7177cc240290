// Reads VS Code's theme variables (set on <html>, inherited by <body>) into a plot palette and re-renders when the theme changes.
import { buildPalette, paletteVariables, themeKindFromClasses, type Palette } from './model/palette';

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const vars: Record<string, string> = {};
  for (const name of paletteVariables) vars[name] = style.getPropertyValue(name);
  return buildPalette(vars, themeKindFromClasses([...document.body.classList]));
}

/** Calls `onChange` when VS Code switches theme (it rewrites the body's classes and the root's variables). */
export function watchTheme(onChange: () => void): void {
  let last = document.body.className;
  const check = (): void => {
    if (document.body.className === last) return;
    last = document.body.className;
    onChange();
  };
  new MutationObserver(check).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  new MutationObserver(() => onChange()).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
