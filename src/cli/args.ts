// Command-line parsing shared by the CLI's subcommands (node:util parseArgs with friendly errors).
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error whose message the CLI prints as is, exiting with `exitCode`. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
}

export function requireString(value: string | boolean | undefined, flag: string, usage: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`Missing ${flag}.\n\n${usage}`);
  return value;
}

export function optionalInt(value: string | boolean | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${String(value)}".`);
  return n;
}

export function oneOf<T extends string>(value: string | boolean | undefined, flag: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${String(value)}".`);
}
