// Command-line parsing shared by the CLI's subcommands: node:util parseArgs, with errors a user can act on
// (the nearest option for a typo, a negative number taken as the value it is, one line per problem).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../formats/text';

/** An error whose message the CLI prints as is, exiting with `exitCode`. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

// A value that starts with a dash but is a number ("-2", "-0.5", "-1e-3"): parseArgs calls it ambiguous.
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

function unknownOption(raw: string, options: Options): UsageError {
  const written = raw.split('=')[0]!;
  const word = written.replace(/^-+/, '');
  const names = Object.keys(options);
  // "-trials" is read by parseArgs as the short options -t -r -i…; the word is what the user meant.
  const prefixed = word.length >= 2 ? names.filter((n) => n.startsWith(word)) : [];
  const guess = (prefixed.length === 1 ? prefixed[0] : undefined) ?? didYouMean(word, names) ?? Object.entries(options).find(([, o]) => o.short === word)?.[0];
  return new UsageError(guess ? `Unknown option ${written}; did you mean --${guess}?` : `Unknown option ${written}.`);
}

/**
 * Checks `argv` against `options` and returns it with negative numbers joined to their option ("--trials -2"
 * becomes "--trials=-2", so the option's own check rejects or takes the number). Throws a one-line UsageError
 * (no usage) for an unknown option, a missing value or a value given to a flag.
 */
export function checkOptions(argv: readonly string[], options: Options): string[] {
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  const args = [...argv];
  const joined = new Set<number>();
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const option = options[t.name];
    if (!option) throw unknownOption(argv[t.index]!, options);
    const shown = t.rawName;
    if (option.type === 'boolean') {
      if (t.inlineValue) throw new UsageError(`${shown} takes no value; got "${t.value}".`);
      continue;
    }
    if (t.value === undefined) throw new UsageError(`${shown} needs a value.`);
    if (!t.inlineValue && t.value.startsWith('-')) {
      if (!NEGATIVE_NUMBER.test(t.value)) {
        throw new UsageError(`${shown} needs a value; "${t.value}" after it looks like an option (write ${t.rawName}=${t.value} if it is the value).`);
      }
      args[t.index] = `--${t.name}=${t.value}`;
      joined.add(t.index + 1);
    }
  }
  return args.filter((_, i) => !joined.has(i));
}

/**
 * Parses a subcommand's arguments. A typo'd option is named with its nearest known one; an unknown option
 * with no near match, and any other parse error, is followed by the command's usage.
 */
export function parse<O extends Options>(argv: string[], options: O, usage: string) {
  let args: string[];
  try {
    args = checkOptions(argv, options);
  } catch (error) {
    if (error instanceof UsageError && /^Unknown option [^;]*$/.test(error.message)) throw new UsageError(`${error.message}\n\n${usage}`);
    throw error;
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
}

export function requireString(value: string | boolean | undefined, flag: string, usage: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`Missing ${flag}.\n\n${usage}`);
  return value;
}

/** An integer option: whole digits only (not "", "1.5", "1e3" or "0x10"), at least `min`. */
export function optionalInt(value: string | boolean | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const text = String(value).trim();
  const n = Number(text);
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${String(value)}".`);
  return n;
}

export function oneOf<T extends string>(value: string | boolean | undefined, flag: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${String(value)}".`);
}
