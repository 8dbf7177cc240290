// Completion and hover for experiment-file keys and enum values, from the formats module.
import type { CompletionItem } from 'vscode-languageserver';

export function formatCompletions(_text: string, _position: { line: number; character: number }): CompletionItem[] {
  return [];
}

export function formatHover(_text: string, _position: { line: number; character: number }): string | undefined {
  return undefined;
}
