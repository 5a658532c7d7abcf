/**
 * Log text from a job is a stranger's bytes. Printed raw to an operator's terminal, escape sequences
 * can set the window title, write the clipboard (OSC 52), move the cursor to overwrite what was
 * printed before, or hide text. `terminalSafe` keeps colours (SGR: ESC [ digits ; m), newlines, tabs
 * and carriage returns, and turns every other control character (C0, DEL, C1) into U+FFFD, so the
 * rest of a dropped sequence shows as plain text. One linear pass, no backtracking.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /\u001b\[[0-9;]{0,32}m|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (m) => (m.length > 1 ? m : "\ufffd"));
}
