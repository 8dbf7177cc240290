// Plot colours derived from VS Code's theme variables. Pure: the DOM side reads the variables.

export interface Palette {
  foreground: string;
  background: string;
  grid: string;
  /** Posterior mean, observations, series colours in order. */
  series: string[];
  mean: string;
  prior: string;
  acquisition: string;
  observation: string;
  best: string;
  failed: string;
  anchor: string;
  fontFamily: string;
  fontSize: number;
  /** High-contrast themes get thicker lines and opaque bands. */
  highContrast: boolean;
  dark: boolean;
}

/** The variables `readPalette` needs, by name; the DOM side fills them with getComputedStyle. */
export const paletteVariables = [
  '--vscode-editor-foreground',
  '--vscode-editor-background',
  '--vscode-panel-border',
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-red',
  '--vscode-charts-purple',
  '--vscode-charts-yellow',
  '--vscode-charts-foreground',
  '--vscode-charts-lines',
  '--vscode-font-family',
  '--vscode-font-size',
  '--vscode-contrastBorder',
] as const;

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** The theme kind from the body classes VS Code sets on a webview. */
export function themeKindFromClasses(classes: readonly string[]): ThemeKind {
  if (classes.includes('vscode-high-contrast-light')) return 'high-contrast-light';
  if (classes.includes('vscode-high-contrast')) return 'high-contrast';
  if (classes.includes('vscode-dark')) return 'dark';
  return 'light';
}

/** Builds the palette from variable values, with readable fallbacks when a variable is missing. */
export function buildPalette(vars: Record<string, string>, kind: ThemeKind): Palette {
  const dark = kind === 'dark' || kind === 'high-contrast';
  const get = (name: string, fallback: string): string => {
    const value = vars[name]?.trim();
    return value ? value : fallback;
  };
  const foreground = get('--vscode-charts-foreground', get('--vscode-editor-foreground', dark ? '#cccccc' : '#333333'));
  const blue = get('--vscode-charts-blue', dark ? '#3794ff' : '#1a85ff');
  const orange = get('--vscode-charts-orange', dark ? '#d18616' : '#d18616');
  const green = get('--vscode-charts-green', dark ? '#89d185' : '#388a34');
  const red = get('--vscode-charts-red', dark ? '#f14c4c' : '#e51400');
  const purple = get('--vscode-charts-purple', dark ? '#b180d7' : '#652d90');
  const yellow = get('--vscode-charts-yellow', dark ? '#cca700' : '#bf8803');
  const highContrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  const fontSize = Number.parseFloat(get('--vscode-font-size', '13'));
  return {
    foreground,
    background: get('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    grid: withAlpha(get('--vscode-charts-lines', foreground), highContrast ? 0.6 : 0.18),
    series: [blue, orange, green, purple, yellow, red],
    mean: blue,
    prior: purple,
    acquisition: orange,
    observation: foreground,
    best: green,
    failed: red,
    anchor: yellow,
    fontFamily: get('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.isFinite(fontSize) && fontSize > 0 ? fontSize : 13,
    highContrast,
    dark,
  };
}

/** `colour` with opacity `alpha` as rgba(); understands #rgb, #rrggbb, #rrggbbaa, rgb() and rgba(). Unknown forms are returned unchanged. */
export function withAlpha(colour: string, alpha: number): string {
  const rgb = parseColour(colour);
  if (!rgb) return colour;
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}

export function parseColour(colour: string): [number, number, number] | undefined {
  const text = colour.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(text);
  if (hex) {
    const digits = hex[1];
    if (digits.length === 3 || digits.length === 4) {
      return [0, 1, 2].map((i) => Number.parseInt(digits[i] + digits[i], 16)) as [number, number, number];
    }
    if (digits.length === 6 || digits.length === 8) {
      return [0, 2, 4].map((i) => Number.parseInt(digits.slice(i, i + 2), 16)) as [number, number, number];
    }
    return undefined;
  }
  const fn = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(text);
  if (fn) return [Number(fn[1]), Number(fn[2]), Number(fn[3])];
  return undefined;
}

/** Sequential colour scale for objective values, from the series colours; best end reads as "good". */
export function valueColourScale(palette: Palette): [number, string][] {
  return [
    [0, palette.series[0]],
    [0.5, palette.series[3]],
    [1, palette.series[1]],
  ];
}
