/**
 * Splits a job file into its YAML front matter and its markdown body, and reads the YAML.
 *
 * The text is first made regular: a UTF-8 BOM is dropped and CRLF / CR line ends become LF. A file
 * that starts with a `---` line has front matter up to the next `---` (or `...`) line; without that
 * closing line it is an error (the body would otherwise be read as YAML). A file that does not start
 * with `---` has no front matter: the whole text is the prompt and every field takes its default
 * (Phase-0 compatibility: a plain markdown prompt is a valid job).
 */
import { LineCounter, parseDocument } from "yaml";
import type { FieldProblem } from "../types";

export const FILE = "(file)";
/** YAML aliases allowed while building the value (a guard against "billion laughs" bombs). */
export const MAX_ALIAS_COUNT = 100;

export function normalizeText(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}

export type Split =
  | { ok: true; frontMatter: string | undefined; body: string }
  | { ok: false; problem: FieldProblem };

const OPEN = /^---[ \t]*(?:\n|$)/;
const CLOSE = /^(?:---|\.\.\.)[ \t]*$/m;

/** `text` must already be normalized (LF line ends, no BOM). */
export function splitFrontMatter(text: string): Split {
  const open = OPEN.exec(text);
  if (!open) return { ok: true, frontMatter: undefined, body: text };
  const rest = text.slice(open[0].length);
  const close = CLOSE.exec(rest);
  if (!close) {
    return {
      ok: false,
      problem: {
        path: FILE,
        message: "the front matter that starts on line 1 has no closing '---' line (add a line with just --- after the last field)",
      },
    };
  }
  const frontMatter = rest.slice(0, close.index);
  const body = rest.slice(close.index + close[0].length).replace(/^\n/, "");
  return { ok: true, frontMatter, body };
}

export type YamlResult = { ok: true; value: unknown } | { ok: false; problems: FieldProblem[] };

/**
 * Parses YAML 1.2 (core schema: `yes` is text, not true) with duplicate keys refused and aliases
 * limited; every error and warning becomes a problem with its line and column in the *file*
 * (`lineOffset` = lines before the YAML, 1 for the opening `---`).
 */
export function readYaml(source: string, lineOffset = 1): YamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, {
    lineCounter,
    prettyErrors: false,
    strict: true,
    uniqueKeys: true,
    merge: false,
    version: "1.2",
    schema: "core",
  });
  const where = (pos: number) => {
    const { line, col } = lineCounter.linePos(pos);
    return `line ${line + lineOffset}, column ${col}`;
  };
  const problems: FieldProblem[] = [...doc.errors, ...doc.warnings].map((e) => {
    if (e.code === "DUPLICATE_KEY") {
      const key = source.slice(e.pos[0]).split("\n")[0]!.split(":")[0]!.trim().replace(/^["']|["']$/g, "");
      const { col } = lineCounter.linePos(e.pos[0]);
      return { path: col === 1 && key ? key : FILE, message: `${where(e.pos[0])}: duplicate field${key ? ` \`${key}\`` : ""}: each field may appear once` };
    }
    return { path: FILE, message: `${where(e.pos[0])}: invalid YAML: ${firstLine(e.message)}` };
  });
  if (problems.length) return { ok: false, problems };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/alias count/i.test(msg)) {
      return { ok: false, problems: [{ path: FILE, message: `the YAML expands too many aliases (more than ${MAX_ALIAS_COUNT}): refused as a resource-exhaustion risk` }] };
    }
    return { ok: false, problems: [{ path: FILE, message: `invalid YAML: ${firstLine(msg)}` }] };
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}
