// Workspace strings in the Markdown the editor renders (hovers, completion docs, the status tooltip) stay
// text: rendered with a real Markdown parser (HTML and autolinks on, the most permissive setting), no image,
// link, HTML, heading or emphasis appears, and the string itself is shown as written.
import assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { statusModel } from '../../../src/client/statusModel';
import { completeAt } from '../../../src/formats/completion';
import { hoverAt } from '../../../src/formats/hover';
import { escapeMarkdown, markdownCode } from '../../../src/shared/markdown';

const md = new MarkdownIt({ html: true, linkify: true });

const HOSTILE = [
  'x ![i](https://example.invalid/a.png)',
  '<img src="https://example.invalid/b.png">',
  '[l](https://example.invalid/c)',
  'www.example.invalid',
  'a`b``c',
  '**b** _e_ ~~s~~',
  '&lt;script&gt;',
  '<https://example.invalid/d>',
  'p|q',
];

const FORBIDDEN = new Set(['image', 'link_open', 'html_inline', 'html_block', 'heading_open', 'strong_open', 'em_open', 's_open', 'table_open', 'bullet_list_open', 'ordered_list_open']);

function tokens(markdown: string): Token[] {
  const out: Token[] = [];
  const walk = (list: Token[]) => {
    for (const t of list) {
      out.push(t);
      if (t.children) walk(t.children);
    }
  };
  walk(md.parse(markdown, {}));
  return out;
}

/** The rendered text (text and code spans) and the constructs the Markdown would create. */
function rendered(markdown: string): { text: string; constructs: string[] } {
  const all = tokens(markdown);
  return {
    text: all.filter((t) => t.type === 'text' || t.type === 'code_inline').map((t) => t.content).join(''),
    constructs: all.map((t) => t.type).filter((type) => FORBIDDEN.has(type)),
  };
}

/** Asserts that `name` shows literally and that no construct appears beyond those the template itself uses. */
function assertInert(markdown: string, name: string, allowed: string[] = []): void {
  const { text, constructs } = rendered(markdown);
  assert.deepEqual(constructs.filter((c) => !allowed.includes(c)), [], `constructs in ${JSON.stringify(markdown)}`);
  assert.ok(text.includes(name), `${JSON.stringify(name)} shown in ${JSON.stringify(text)}`);
}

const experiment = (name: string) =>
  [
    'objective: { metric: loss }',
    'search_space:',
    `  ${JSON.stringify(name)}: { type: float, low: 0, high: 1 }`,
    `  c: { type: categorical, choices: [${JSON.stringify(name)}, plain] }`,
    'run:',
    // Single-quoted: the placeholder's hover reads the source text, which then equals the value.
    `  command: [train, '--v=\${${name.replace(/'/g, "''")}}']`,
    'trials:',
    `  - id: 1`,
    `    params: { ${JSON.stringify(name)}: 0.5, c: ${JSON.stringify(name)} }`,
    '',
  ].join('\n');

describe('Markdown escaping of workspace strings', () => {
  it('escapeMarkdown and markdownCode keep every hostile string literal', () => {
    for (const name of HOSTILE) {
      assertInert(`**${escapeMarkdown(name)}** — float`, name, ['strong_open']);
      assertInert(`see ${markdownCode(name)} here`, name);
    }
    assertInert(escapeMarkdown('a\n# heading\n\n![i](https://example.invalid/e.png)'), 'a # heading  ![i](https://example.invalid/e.png)');
  });

  it('hover on a parameter, its value, a categorical choice and a placeholder shows hostile names as text', () => {
    for (const name of HOSTILE) {
      const text = experiment(name);
      const quoted = JSON.stringify(name);
      const at = [
        text.indexOf(quoted) + 1, // the name in search_space
        text.indexOf(quoted, text.indexOf('params:')) + 1, // the name under a trial's params
        text.indexOf('0.5'), // its value
        text.lastIndexOf(quoted) + 1, // a categorical value
        text.indexOf('${') + 1, // the placeholder in run.command
      ];
      for (const offset of at) {
        const hover = hoverAt(text, offset);
        assert.ok(hover, `a hover at ${offset} for ${quoted}`);
        // The templates bold the parameter's name; nothing else may appear.
        assertInert(hover.markdown, name, ['strong_open']);
      }
    }
  });

  it('completion documentation of placeholders shows hostile names as text', () => {
    for (const name of HOSTILE) {
      const text = experiment(name).replace(/--v=\$\{[^\n]*\]/, '"${"]');
      const items = completeAt(text, text.indexOf('${') + 2);
      const item = items.find((i) => i.label === name);
      assert.ok(item?.documentation, `a placeholder item for ${JSON.stringify(name)}`);
      assertInert(item.documentation, name);
    }
  });

  it('the status tooltip shows a hostile experiment name, metric and server message as text', () => {
    for (const name of HOSTILE) {
      const model = statusModel(
        'error',
        { uri: 'file:///w/a.hyperbo.yaml', name, metric: name, goal: 'minimize', trials: { total: 1, completed: 1, running: 0, pending: 0, failed: 0 }, best: { trialId: 1, value: 0.5, params: {} } },
        name,
      );
      assertInert(model.tooltip, name, ['strong_open']);
    }
  });
});
