/**
 * The job file: parse a markdown job (YAML front matter + prompt body) or a JSON submission
 * `{manifest, body}` into a JobSpec with a normalized Manifest, or into a list of precise problems.
 * Nothing here throws on bad input: every failure is a FieldProblem naming where it is.
 *
 * Decisions:
 * - A file without front matter is a job whose whole text is the prompt (Phase-0 compatibility).
 * - The body is the text after the closing `---`, with leading blank lines and trailing whitespace
 *   removed and one final newline; an empty body is refused (`(body)`): a job needs a prompt.
 * - Secret-looking values anywhere in the manifest are refused; the body is not scanned here (a
 *   prompt may legitimately discuss token formats; logs are redacted on their way out instead).
 * - Files over MAX_JOB_FILE_BYTES are refused before any parsing.
 */
import { formatBytes } from "../size";
import type { FieldProblem, JobSpec, Manifest } from "../types";
import { FILE, normalizeText, readYaml, splitFrontMatter } from "./front-matter";
import { toFieldProblems } from "./issues";
import { MANIFEST_FIELDS, manifestSchema } from "./schema";
import { jobTitle, MAX_TITLE } from "./title";

export { manifestSchema, manifestShape, MANIFEST_FIELDS, DEFAULT_RETRY, FIELD_ALIASES, type ManifestInput, type ManifestField } from "./schema";
export { toFieldProblems, formatPath } from "./issues";
export { normalizeText, splitFrontMatter, readYaml, MAX_ALIAS_COUNT } from "./front-matter";
export { jobTitle, headingTitle, fileTitle } from "./title";

export const MAX_JOB_FILE_BYTES = 1_048_576;
export const BODY = "(body)";

export type JobFileResult = { ok: true; spec: JobSpec; setFields: string[] } | { ok: false; errors: FieldProblem[] };
export type ManifestResult = { ok: true; manifest: Manifest; setFields: string[] } | { ok: false; errors: FieldProblem[] };

/** The top-level fields an input sets explicitly (known fields and `x-` fields, in input order). */
function explicitFields(obj: unknown): string[] {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return [];
  const known = new Set<string>(MANIFEST_FIELDS);
  return Object.keys(obj).filter((k) => known.has(k) || k.startsWith("x-"));
}

export interface ManifestObjectOptions {
  /** names the object itself in problems (default `(file)`) */
  root?: string;
  /** put before every path, e.g. `manifest` → `manifest.budget.usd` */
  prefix?: string;
}

/**
 * Validates a manifest object (a JSON submission's `manifest`, or parsed front matter) into the
 * normalized Manifest. Given a `body` (a JSON submission `{manifest, body}`) it returns the whole
 * JobSpec instead, exactly as parseJobFile would; `title` then overrides the heading / file name.
 */
export function parseManifestObject(
  obj: unknown,
  opts: ManifestObjectOptions & { body: string; title?: string; fileName?: string },
): JobFileResult;
export function parseManifestObject(obj: unknown, opts?: ManifestObjectOptions): ManifestResult;
export function parseManifestObject(
  obj: unknown,
  opts: ManifestObjectOptions & { body?: string; title?: string; fileName?: string } = {},
): ManifestResult | JobFileResult {
  if (opts.body !== undefined) return jobFromParts(obj, opts.body, { ...opts, bodyPath: "body" });
  return validateManifest(obj, opts);
}

function validateManifest(obj: unknown, opts: ManifestObjectOptions): ManifestResult {
  try {
    const r = manifestSchema.safeParse(obj);
    if (!r.success) return { ok: false, errors: toFieldProblems(r.error.issues, opts) };
    return { ok: true, manifest: r.data, setFields: explicitFields(obj) };
  } catch (err) {
    return { ok: false, errors: [internal(opts.root ?? FILE, err)] };
  }
}

function jobFromParts(
  manifest: unknown,
  body: unknown,
  opts: ManifestObjectOptions & { title?: string; fileName?: string; bodyPath: string },
): JobFileResult {
  const errors: FieldProblem[] = [];
  const m = validateManifest(manifest, opts);
  if (!m.ok) errors.push(...m.errors);
  let cleaned = "";
  if (typeof body !== "string") {
    errors.push({ path: opts.bodyPath, message: body === undefined ? NO_PROMPT : "expected the prompt as text" });
  } else if (body.length > MAX_JOB_FILE_BYTES || utf8Length(body) > MAX_JOB_FILE_BYTES) {
    errors.push({ path: opts.bodyPath, message: `the prompt may be at most ${formatBytes(MAX_JOB_FILE_BYTES)} (${MAX_JOB_FILE_BYTES} bytes)` });
  } else {
    cleaned = cleanBody(normalizeText(body));
    if (cleaned === "") errors.push({ path: opts.bodyPath, message: NO_PROMPT });
  }
  if (!m.ok || errors.length) return { ok: false, errors };
  const title = opts.title?.trim() ? opts.title.trim().slice(0, MAX_TITLE) : jobTitle(cleaned, opts.fileName);
  return { ok: true, spec: { manifest: m.manifest, body: cleaned, title }, setFields: m.setFields };
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

function cleanBody(body: string): string {
  const trimmed = body.replace(/^(?:[ \t]*\n)+/, "").replace(/\s+$/, "");
  return trimmed === "" ? "" : `${trimmed}\n`;
}

const NO_PROMPT = "the job has no prompt: write what the agent should do in the body, after the front matter";

/** Parses the text of a job file. `fileName` gives the fallback title. */
export function parseJobFile(text: string, opts: { fileName?: string } = {}): JobFileResult {
  try {
    if (typeof text !== "string") return fail({ path: FILE, message: "expected the text of a job file" });
    if (text.length > MAX_JOB_FILE_BYTES || utf8Length(text) > MAX_JOB_FILE_BYTES) {
      const size = text.length > 8 * MAX_JOB_FILE_BYTES ? `over ${formatBytes(8 * MAX_JOB_FILE_BYTES)}` : formatBytes(utf8Length(text));
      return fail({
        path: FILE,
        message: `the file is ${size}; a job file may be at most ${formatBytes(MAX_JOB_FILE_BYTES)} (${MAX_JOB_FILE_BYTES} bytes)`,
      });
    }
    const normalized = normalizeText(text);
    if (normalized.includes("\0")) return fail({ path: FILE, message: "the file contains NUL bytes: a job file is UTF-8 text, not binary" });
    if (normalized.trim() === "") return fail({ path: FILE, message: "the file is empty: a job file is a prompt, optionally after a --- front matter ---" });

    const split = splitFrontMatter(normalized);
    if (!split.ok) return fail(split.problem);

    let raw: unknown = {};
    if (split.frontMatter !== undefined) {
      const y = readYaml(split.frontMatter, 1);
      if (!y.ok) return { ok: false, errors: y.problems };
      raw = y.value ?? {};
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        const what = Array.isArray(raw) ? "a list" : `a single ${typeof raw === "string" ? "text" : typeof raw} value`;
        return fail({ path: FILE, message: `the front matter must be a mapping of fields (field: value), not ${what}` });
      }
    }

    const m = validateManifest(raw, {});
    const body = cleanBody(split.body);
    const errors = m.ok ? [] : [...m.errors];
    if (body === "") errors.push({ path: BODY, message: NO_PROMPT });
    if (!m.ok || errors.length) return { ok: false, errors };
    return { ok: true, spec: { manifest: m.manifest, body, title: jobTitle(body, opts.fileName) }, setFields: m.setFields };
  } catch (err) {
    return fail(internal(FILE, err));
  }
}

/**
 * Parses a whole JSON submission `{manifest, body}` (manifest optional). Paths are
 * `manifest.budget.usd`, `body`, or `(request)` for the object itself.
 */
export function parseJobObject(input: unknown, opts: { fileName?: string } = {}): JobFileResult {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return fail({ path: "(request)", message: "expected a JSON object {manifest, body}" });
  }
  const unknown: FieldProblem[] = Object.keys(input)
    .filter((key) => key !== "manifest" && key !== "body")
    .map((key) => ({ path: key || '""', message: `unknown field \`${key}\`: a submission has manifest and body` }));
  const { manifest = {}, body } = input as { manifest?: unknown; body?: unknown };
  const r = jobFromParts(manifest, body, { root: "manifest", prefix: "manifest", fileName: opts.fileName, bodyPath: "body" });
  if (unknown.length) return { ok: false, errors: [...unknown, ...(r.ok ? [] : r.errors)] };
  return r;
}

function fail(problem: FieldProblem): { ok: false; errors: FieldProblem[] } {
  return { ok: false, errors: [problem] };
}

function internal(path: string, err: unknown): FieldProblem {
  return { path, message: `could not be read (${err instanceof Error ? err.message : String(err)})` };
}
