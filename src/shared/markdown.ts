// Putting workspace strings (parameter names, the metric, paths, values) into Markdown that the editor
// renders (hovers, completion documentation, tooltips). A name like `x ![i](https://example.invalid/a.png)`
// must show as text: never an image the editor fetches, a link, HTML or a heading. Used by the server and
// the client; no dependencies.

/**
 * The ASCII punctuation that can start Markdown syntax: emphasis, code, links and images, HTML and entities,
 * headings, lists, tables, strikethrough, theme icons `$(…)`, and (through `.`, `:` and `@`) GFM autolinks.
 */
const PUNCTUATION = /[\\`*_{}[\]()<>#+\-.!|~&:@$=]/g;

/**
 * `text` as literal Markdown text: that punctuation backslash-escaped (CommonMark lets a backslash escape any
 * ASCII punctuation) and line breaks made spaces (so no new block, heading or setext underline starts).
 */
export function escapeMarkdown(text: string): string {
  return String(text).replace(/\r\n|\r|\n/g, ' ').replace(PUNCTUATION, '\\$&');
}

/**
 * `text` as an inline code span: fenced by one more backtick than its longest run of backticks (backslash
 * escapes do not work inside code spans) and padded when it starts or ends with a backtick; line breaks made
 * spaces.
 */
export function markdownCode(text: string): string {
  const flat = String(text).replace(/\r\n|\r|\n/g, ' ');
  let longest = 0;
  for (const run of flat.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
