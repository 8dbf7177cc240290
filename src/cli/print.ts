// Everything the CLI prints goes through these two, so workspace text never reaches the terminal raw (see
// shared/terminalText.ts). A progress line that rewrites itself with \r writes directly: it holds no workspace text.
import { terminalSafe } from '../shared/terminalText';

export const writeOut = (text: string): boolean => process.stdout.write(terminalSafe(text));
export const writeErr = (text: string): boolean => process.stderr.write(terminalSafe(text));
