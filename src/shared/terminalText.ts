// Workspace text (parameter names, categorical values, experiment names, log excerpts) printed to a terminal. C0
// control characters other than \n and \t, DEL and C1 controls are shown as \xNN, so a name holding ESC [31m or an
// OSC sequence cannot recolour the output, move the cursor, retitle the terminal or hide what follows.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with every control character except \n and \t escaped as \xNN. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
