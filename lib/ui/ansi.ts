/**
 * ANSI → HTML for the log tail. Always escapes the text first (a log line is untrusted input that
 * ends up in innerHTML); one converter per stream keeps colour state across chunks, because an
 * engine may open a colour in one chunk and close it in the next.
 */
import Convert from "ansi-to-html";

export interface AnsiStream {
  /** HTML for the chunk, with colours still open from earlier chunks carried over */
  push(text: string): string;
}

const PALETTE = { fg: "#e6e8ee", bg: "#0b0d11" };

export function createAnsiStream(): AnsiStream {
  const convert = new Convert({ ...PALETTE, escapeXML: true, stream: true, newline: false });
  return { push: (text) => convert.toHtml(text) };
}

/** One-shot conversion (verify output, a finished log). */
export function ansiToHtml(text: string): string {
  return new Convert({ ...PALETTE, escapeXML: true, stream: false, newline: false }).toHtml(text);
}

/** Removes ANSI escapes (for copy-paste, search and tests). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}
