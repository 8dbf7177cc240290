import assert from 'node:assert/strict';
import { formatDuration, isBetter, plotText } from '../../../src/webview/model/format';
import { buildPalette, parseColour, themeKindFromClasses, withAlpha } from '../../../src/webview/model/palette';

describe('webview formatting', () => {
  it('compares under the goal', () => {
    assert.equal(isBetter(0.1, 0.2, 'minimize'), true);
    assert.equal(isBetter(0.1, 0.2, 'maximize'), false);
  });

  it('escapes markup so plotly draws names literally', () => {
    assert.equal(plotText('<b>lr</b> & co'), '&lt;b&gt;lr&lt;/b&gt; &amp; co');
  });

  it('formats durations and rejects bad timestamps', () => {
    assert.equal(formatDuration('2025-01-01T00:00:00Z', '2025-01-01T00:01:05Z'), '1m 05s');
    assert.equal(formatDuration('2025-01-01T00:00:00Z', '2025-01-01T02:03:00Z'), '2h 03m');
    assert.equal(formatDuration('2025-01-01T00:00:00Z', 'yesterday'), '—');
    assert.equal(formatDuration(undefined, '2025-01-01T00:00:00Z'), '—');
  });
});

describe('webview palette', () => {
  it('reads the theme kind from body classes', () => {
    assert.equal(themeKindFromClasses(['vscode-dark']), 'dark');
    assert.equal(themeKindFromClasses(['vscode-light']), 'light');
    assert.equal(themeKindFromClasses(['vscode-high-contrast']), 'high-contrast');
    assert.equal(themeKindFromClasses(['vscode-high-contrast', 'vscode-high-contrast-light']), 'high-contrast-light');
  });

  it('uses the theme variables and falls back per theme when one is missing', () => {
    const palette = buildPalette({ '--vscode-charts-blue': ' #112233 ', '--vscode-font-size': '14px' }, 'dark');
    assert.equal(palette.mean, '#112233');
    assert.equal(palette.fontSize, 14);
    assert.equal(palette.background, '#1e1e1e');
    assert.equal(palette.highContrast, false);
    assert.equal(buildPalette({}, 'high-contrast').highContrast, true);
    assert.equal(buildPalette({ '--vscode-font-size': 'large' }, 'light').fontSize, 13);
  });

  it('parses the colour forms VS Code uses and adds alpha', () => {
    assert.deepEqual(parseColour('#fff'), [255, 255, 255]);
    assert.deepEqual(parseColour('#3794ff'), [55, 148, 255]);
    assert.deepEqual(parseColour('#ffffff12'), [255, 255, 255]);
    assert.deepEqual(parseColour('rgba(204, 204, 204, 0.5)'), [204, 204, 204]);
    assert.equal(parseColour('var(--x)'), undefined);
    assert.equal(withAlpha('#3794ff', 0.2), 'rgba(55, 148, 255, 0.2)');
    assert.equal(withAlpha('red', 0.2), 'red');
  });
});
