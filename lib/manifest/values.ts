/**
 * Validators for the single values of a manifest (names, paths, globs, repos). Each returns the
 * normalized value or a message that says what was expected; none of them throws.
 */
import pm from "picomatch/posix";
import { parseCapability } from "../capability";
import { suggestion } from "../did-you-mean";
import { parseDuration } from "../duration";
import { parseTokenCount } from "../size";
import { DELIVERIES, KNOWN_ENGINES, PRIORITIES, RETRY_ON, type Delivery, type Priority, type RetryOn } from "../types";

export type Check<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const bad = (message: string): Check<never> => ({ ok: false, message });

/** YAML turns `tracker-item: 1234` into a number; ids accept whole numbers and keep them as text. */
function idText(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim();
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return String(v);
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return "text";
  return `a ${typeof v}`;
}

export function expected(what: string, got: unknown): string {
  return `expected ${what}, got ${describe(got)}`;
}

function named(v: unknown, re: RegExp, what: string, rule: string): Check<string> {
  const s = idText(v);
  if (s === undefined) return bad(expected(what, v));
  if (s === "") return bad(`expected ${what}, got an empty string`);
  if (!re.test(s)) return bad(`"${clip(s)}" is not ${what}: ${rule}`);
  return ok(s);
}

export function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

const ID_RULE = "start with a letter or digit, then letters, digits, '.', '_', ':', '/', '@', '#' or '-'";

export const checkId = (what: string) => (v: unknown) =>
  named(v, /^[A-Za-z0-9][A-Za-z0-9._:/@#-]{0,199}$/, what, `${ID_RULE} (up to 200)`);

export const checkLock = (v: unknown) => checkId("a lock name")(v);
export const checkTrackerItem = (v: unknown) => checkId("a tracker item id like LIN-123 or gh:owner/repo#12")(v);
export const checkIdempotencyKey = (v: unknown) => checkId("an idempotency key")(v);
export const checkDep = (v: unknown) => checkId("a job id or idempotency key")(v);

export const checkProduct = (v: unknown) =>
  named(v, /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a product id", "letters, digits, '.', '_' or '-', up to 64");

export const checkProfileName = (v: unknown) =>
  named(v, /^[a-z0-9][a-z0-9-]{0,63}$/, "a profile name", "lowercase letters, digits and '-', like backend-engineer");

export const checkEngineClass = (v: unknown) =>
  named(v, /^[a-z][a-z0-9_-]{0,63}$/, "an engine class", "lowercase letters, digits, '_' or '-', like agentic-coder");

/** A known engine, or a custom one a factory defines (a lowercase identifier). Case is folded. */
export function checkEngine(v: unknown): Check<string> {
  if (typeof v !== "string") return bad(expected(`an engine name (${KNOWN_ENGINES.join(", ")} or a custom one)`, v));
  const s = v.trim().toLowerCase();
  if ((KNOWN_ENGINES as readonly string[]).includes(s)) return ok(s);
  if (!/^[a-z][a-z0-9_-]{0,39}$/.test(s)) {
    return bad(
      `"${clip(v)}" is not an engine name: use ${KNOWN_ENGINES.join(", ")}, or a custom engine's name ` +
        `(lowercase letters, digits, '_' or '-')${suggestion(s, KNOWN_ENGINES)}`,
    );
  }
  return ok(s);
}

export function checkBoolean(v: unknown): Check<boolean> {
  if (typeof v === "boolean") return ok(v);
  if (typeof v === "string" && /^(yes|no|on|off|y|n|true|false)$/i.test(v.trim())) {
    return bad(`expected true or false, got "${v}" (write true or false: YAML 1.2 reads ${v} as text)`);
  }
  return bad(expected("true or false", v));
}

export function checkShellCommand(v: unknown): Check<string> {
  if (typeof v !== "string") return bad(expected("a shell command", v));
  const s = v.trim();
  if (s === "") return bad("expected a shell command, got an empty string");
  if (s.includes("\0")) return bad("the command contains a NUL character");
  if (s.length > 8000) return bad("the command is longer than 8000 characters; put it in a script");
  return ok(s);
}

function hasControl(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(s);
}

export function isAbsolutePath(p: string): boolean {
  return p.startsWith("/") || p.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(p) || p === "~" || p.startsWith("~/");
}

/** Whether a relative path climbs out of its base (`..` segments that go above the start). */
export function escapesBase(p: string): boolean {
  let depth = 0;
  for (const seg of p.split(/[\\/]+/)) {
    if (seg === "..") depth--;
    else if (seg !== "." && seg !== "") depth++;
    if (depth < 0) return true;
  }
  return false;
}

export function checkPath(v: unknown): Check<string> {
  if (typeof v !== "string") return bad(expected("a path", v));
  const s = v.trim();
  if (s === "") return bad("expected a path, got an empty string");
  if (hasControl(s)) return bad("the path contains a control character (a newline or tab?)");
  if (s.length > 4096) return bad("the path is longer than 4096 characters");
  return ok(s);
}

/** A git URL (https, ssh, git, file, or scp-like user@host:path) or a path / cached repo name. */
export function checkRepo(v: unknown): Check<string> {
  if (typeof v !== "string") return bad(expected("a git URL or path", v));
  const s = v.trim();
  if (s === "") return bad("expected a git URL or path, got an empty string");
  if (/\s/.test(s) || hasControl(s)) return bad("a git URL or path has no spaces or control characters");
  if (s.length > 2048) return bad("the repo is longer than 2048 characters");
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(s);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (!["https", "http", "ssh", "git", "file", "git+ssh", "ssh+git"].includes(name)) {
      return bad(`"${name}://" is not a git transport; use https://, ssh://, git://, file:// or user@host:path`);
    }
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      return bad("not a valid URL");
    }
    if (url.password) return bad("the URL contains a password: keep credentials out of job files (factories hold them)");
    if (name !== "file" && url.hostname === "") return bad("the URL has no host");
  }
  return ok(s);
}

/**
 * A glob of repository paths (allowed-scope, artifacts): relative, `/`-separated, never climbing out
 * of the checkout, and one that picomatch can compile. A leading `./` is dropped; `!` negates.
 */
export function checkGlob(v: unknown): Check<string> {
  if (typeof v !== "string") return bad(expected("a glob like src/**", v));
  let s = v.trim();
  if (s === "") return bad("expected a glob like src/**, got an empty string");
  if (hasControl(s)) return bad("the glob contains a control character");
  if (s.length > 256) return bad("the glob is longer than 256 characters");
  const negated = s.startsWith("!");
  let body = negated ? s.slice(1) : s;
  while (body.startsWith("./")) body = body.slice(2);
  if (body === "") return bad(`"${clip(s)}" names no path`);
  if (isAbsolutePath(body)) return bad(`"${clip(s)}" is absolute: globs are relative to the repository, like src/**`);
  if (body.split("/").includes("..")) return bad(`"${clip(s)}" uses '..': a glob may not leave the repository`);
  const tooComplex = globComplexity(body);
  if (tooComplex) return bad(`"${clip(s)}" is too complex to match safely: ${tooComplex}`);
  let source: string;
  try {
    source = pm.makeRe(body).source;
  } catch {
    source = "$^";
  }
  if (source === "$^") return bad(`"${clip(s)}" is not a valid glob (an unbalanced '[' or '{', or a bad range?)`);
  s = negated ? `!${body}` : body;
  return ok(s);
}

/**
 * Bounds on a glob, so that matching it against paths a job reports cannot backtrack for long
 * (picomatch compiles globs to backtracking regexes: five `*` in one segment took seconds on a
 * 128-character name). Each wildcard in a segment multiplies the work by the segment's length.
 */
export const GLOB_LIMITS = { wildcardsPerSegment: 2, globstars: 4, braces: 2, braceAlternatives: 16 } as const;

/** Why a glob is too complex, or undefined. Extglobs are refused outright. */
export function globComplexity(glob: string): string | undefined {
  if (/[@!+*?]\(/.test(glob)) return "extglobs like @(a|b) or +(x) are not supported; use braces {a,b}";
  let globstars = 0;
  for (const seg of glob.split("/")) {
    if (seg === "**") {
      globstars++;
      continue;
    }
    const wildcards = (seg.match(/\*+|\?/g) ?? []).length;
    if (wildcards > GLOB_LIMITS.wildcardsPerSegment) return `at most ${GLOB_LIMITS.wildcardsPerSegment} wildcards (* or ?) in one path segment`;
  }
  if (globstars > GLOB_LIMITS.globstars) return `at most ${GLOB_LIMITS.globstars} ** segments`;
  const braces = (glob.match(/\{/g) ?? []).length;
  if (braces > GLOB_LIMITS.braces) return `at most ${GLOB_LIMITS.braces} brace groups`;
  const alternatives = (glob.match(/,/g) ?? []).length + braces;
  if (alternatives > GLOB_LIMITS.braceAlternatives) return `at most ${GLOB_LIMITS.braceAlternatives} brace alternatives`;
  return undefined;
}

export const ARTIFACT_KINDS = ["diff", "coverage", "screenshots", "build-logs"] as const;

export function checkArtifact(v: unknown): Check<string> {
  if (typeof v !== "string") return bad(expected(`${ARTIFACT_KINDS.join(", ")} or a glob`, v));
  const s = v.trim();
  if ((ARTIFACT_KINDS as readonly string[]).includes(s)) return ok(s);
  if (/^[A-Za-z][A-Za-z0-9_-]*$/.test(s)) {
    return bad(`unknown artifact "${clip(s)}": use ${ARTIFACT_KINDS.join(", ")} or a glob like dist/**/*.zip${suggestion(s, ARTIFACT_KINDS)}`);
  }
  return checkGlob(s);
}

export function checkReviewer(v: unknown): Check<string> {
  if (typeof v !== "string") return bad(expected("a reviewer like @alice or @org/team", v));
  const s = v.trim();
  if (!/^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9._-]{1,100})?$/.test(s)) {
    return bad(`"${clip(s)}" is not a reviewer: write @alice or @org/team`);
  }
  return ok(s);
}

export const checkDuration = (v: unknown): Check<number> => {
  const r = parseDuration(v);
  return r.ok ? { ok: true, value: r.ms } : r;
};

export const checkTokens = (v: unknown): Check<number> => parseTokenCount(v);

export function checkUsd(v: unknown): Check<number> {
  let n = v;
  if (typeof v === "string" && /^\s*\$?\s*\d+(\.\d+)?\s*$/.test(v)) n = Number(v.replace(/[$\s]/g, ""));
  if (typeof n !== "number" || !Number.isFinite(n)) return { ok: false, message: expected("an amount in US dollars like 5 or 12.50", v) };
  if (n < 0) return { ok: false, message: "expected an amount in US dollars ≥ 0" };
  if (n > 1_000_000) return { ok: false, message: "expected an amount in US dollars of at most 1000000" };
  return { ok: true, value: Math.round(n * 1e6) / 1e6 };
}

export const checkCapability = (v: unknown): Check<string> => {
  if (typeof v !== "string") return { ok: false, message: expected("a capability like os:mac, gpu or node>=20", v) };
  const p = parseCapability(v);
  return p.ok ? { ok: true, value: p.canonical } : p;
};

export const checkPriority = (v: unknown): Check<Priority> => {
  if (typeof v === "string" && (PRIORITIES as readonly string[]).includes(v.trim().toLowerCase())) {
    return { ok: true, value: v.trim().toLowerCase() as Priority };
  }
  const hint = typeof v === "string" ? suggestion(v.trim(), PRIORITIES) : "";
  return { ok: false, message: `expected ${PRIORITIES.join(", ")}${typeof v === "string" ? `, got "${v}"` : ""}${hint}` };
};

export const checkRetryOn = (v: unknown): Check<RetryOn> => {
  if (typeof v === "string" && (RETRY_ON as readonly string[]).includes(v.trim())) return { ok: true, value: v.trim() as RetryOn };
  const hint = typeof v === "string" ? suggestion(v.trim(), RETRY_ON) : "";
  return { ok: false, message: `expected one of ${RETRY_ON.join(", ")}${typeof v === "string" ? `, got "${v}"` : ""}${hint}` };
};

export const checkMax = (v: unknown): Check<number> => {
  if (typeof v !== "number" || !Number.isInteger(v)) return { ok: false, message: expected("a whole number of retries from 0 to 20", v) };
  if (v < 0 || v > 20) return { ok: false, message: `expected a whole number of retries from 0 to 20, got ${v}` };
  return { ok: true, value: v };
};

export const checkDelivery = (v: unknown): Check<Delivery> => {
  if (typeof v === "string" && (DELIVERIES as readonly string[]).includes(v.trim().toLowerCase())) {
    return ok(v.trim().toLowerCase() as Delivery);
  }
  const hint = typeof v === "string" ? suggestion(v.trim().toLowerCase(), DELIVERIES, DELIVERY_ALIASES) : "";
  return bad(`expected one of ${DELIVERIES.join(", ")}${typeof v === "string" ? `, got "${clip(v)}"` : `, got ${describe(v)}`}${hint}`);
};

const DELIVERY_ALIASES: Record<string, string> = { "pull-request": "pr", "pull request": "pr", pull: "pr", push: "branch", direct: "merge", off: "none", no: "none" };

/**
 * Why a name is not a branch git would accept (the rules of `git check-ref-format --branch`, the
 * ones a person can break by hand), or undefined. Bounded: one pass over at most 200 characters.
 */
export function branchNameProblem(s: string): string | undefined {
  if (s.length > 200) return "a branch name is at most 200 characters";
  if (hasControl(s) || /\s/.test(s)) return "a branch name has no spaces or control characters";
  const bad = /[~^:?*[\\]/.exec(s);
  if (bad) return `a branch name may not contain '${bad[0]}'`;
  if (s.startsWith("-")) return "a branch name may not start with '-'";
  if (s.startsWith("/") || s.endsWith("/")) return "a branch name may not start or end with '/'";
  if (s.includes("..") || s.includes("//") || s.includes("@{")) return "a branch name may not contain '..', '//' or '@{'";
  if (s === "@" || s.endsWith(".") || s.endsWith(".lock")) return "a branch name may not be '@' or end with '.' or '.lock'";
  if (s.split("/").some((seg) => seg.startsWith("."))) return "no part of a branch name may start with '.'";
  if (s === "HEAD" || s.startsWith("refs/")) return "name the branch itself (like main), not HEAD or a refs/ path";
  return undefined;
}

export function checkBranchName(v: unknown): Check<string> {
  if (typeof v !== "string") return bad(expected("a branch name like main", v));
  const s = v.trim();
  if (s === "") return bad("expected a branch name like main, got an empty string");
  const why = branchNameProblem(s);
  return why ? bad(`"${clip(s)}" is not a branch name: ${why}`) : ok(s);
}

/** The placeholders a `branch` template may use (filled in per job by lib/delivery branchFor). */
export const BRANCH_PLACEHOLDERS = ["job-id", "slug"] as const;

/** A branch name template: placeholders `<job-id>`, `<slug>`; what they leave must be a branch name. */
export function checkBranchTemplate(v: unknown): Check<string> {
  if (typeof v !== "string") return bad(expected("a branch name template like fleet/<job-id>-<slug>", v));
  const s = v.trim();
  if (s === "") return bad("expected a branch name template like fleet/<job-id>-<slug>, got an empty string");
  if (s.length > 200) return bad("a branch name template is at most 200 characters");
  for (const m of s.matchAll(/<([^<>]*)>/g)) {
    const name = m[1]!;
    if (!(BRANCH_PLACEHOLDERS as readonly string[]).includes(name)) {
      return bad(`unknown placeholder <${clip(name, 30)}>: use ${BRANCH_PLACEHOLDERS.map((p) => `<${p}>`).join(" or ")}${suggestion(name, BRANCH_PLACEHOLDERS, { id: "job-id", job: "job-id", jobid: "job-id", title: "slug", name: "slug" })}`);
    }
  }
  if (!s.includes("<job-id>")) return bad(`"${clip(s)}" has no <job-id>: every job needs a branch of its own (like fleet/<job-id>-<slug>)`);
  const sample = s.replace(/<job-id>/g, "j1").replace(/<slug>/g, "x");
  if (/[<>]/.test(sample)) return bad(`"${clip(s)}" has an unbalanced '<' or '>'`);
  const why = branchNameProblem(sample);
  return why ? bad(`"${clip(s)}" does not make a branch name: ${why}`) : ok(s);
}
