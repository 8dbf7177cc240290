// `${name}` placeholders in run templates, found by one linear scan. The regex /\$\{([^}]*)\}/g it replaces retries
// from every `${` to the end of the text when no `}` follows, which is quadratic: 2.4 s on 40,000 repeated `${`,
// 47 s on 160,000. Same matches as that regex (the name is everything up to the next `}`).

export interface PlaceholderMatch {
  /** Offset of `$`. */
  start: number;
  /** Offset after `}`. */
  end: number;
  /** The text between `${` and `}`. */
  name: string;
}

/** Every `${name}` in order. With `nonEmpty`, `${}` is not a placeholder (as /\$\{([^}]+)\}/g). */
export function findPlaceholders(text: string, options: { nonEmpty?: boolean; limit?: number } = {}): PlaceholderMatch[] {
  const out: PlaceholderMatch[] = [];
  const limit = options.limit ?? Infinity;
  let from = 0;
  while (out.length < limit) {
    const open = text.indexOf('${', from);
    if (open < 0) break;
    const close = text.indexOf('}', open + 2);
    // No `}` after this `${` means none after any later `${` either: nothing more can match.
    if (close < 0) break;
    if (options.nonEmpty && close === open + 2) {
      from = open + 1;
      continue;
    }
    out.push({ start: open, end: close + 1, name: text.slice(open + 2, close) });
    from = close + 1;
  }
  return out;
}

/** The first placeholder, or undefined. */
export function firstPlaceholder(text: string, options: { nonEmpty?: boolean } = {}): PlaceholderMatch | undefined {
  return findPlaceholders(text, { ...options, limit: 1 })[0];
}

/** Replaces each placeholder by what `replace` returns for it (return `whole` to keep it as written). */
export function replacePlaceholders(text: string, replace: (name: string, whole: string) => string, options: { nonEmpty?: boolean } = {}): string {
  let out = '';
  let at = 0;
  for (const m of findPlaceholders(text, options)) {
    out += text.slice(at, m.start) + replace(m.name, text.slice(m.start, m.end));
    at = m.end;
  }
  return out + text.slice(at);
}
