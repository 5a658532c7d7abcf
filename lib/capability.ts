/**
 * The capability grammar: what a job requires (`capabilities`), hints at (`prefers`), and what a
 * factory advertises. One grammar for all three so the scheduler compares like with like.
 *
 *   os:mac | os:linux | os:windows | os:any   the operating system (`os:any` matches every factory)
 *   gpu, docker, …                            a bare flag
 *   key:value                                 any tag: has:xcode, engine:codex, cred:github, factory:mac-2
 *   tool>=1.2, tool>1, tool<=3, tool<3, tool=20   a version constraint on a tool
 *
 * Keys, flags and tool names are case-insensitive (kept lowercase); tag values keep their case.
 * Factories advertise plain strings ("os:linux", "gpu", "node:20.11.1"); a version constraint is
 * matched against the advertised `tool:<version>` tag.
 *
 * Version constraints compare at the precision of the requirement: `node=20` and `node<=20` accept
 * 20.11.1 (only the first component is compared), `node>20` needs 21 or later, `node>=20.11` needs at
 * least 20.11. This is what people mean when they write these constraints by hand.
 */

export type Capability =
  | { kind: "os"; os: "mac" | "linux" | "windows" | "any" }
  | { kind: "flag"; name: string }
  | { kind: "tag"; key: string; value: string }
  | { kind: "version"; tool: string; op: ">=" | ">" | "<=" | "<" | "="; version: string };

export type VersionOp = Extract<Capability, { kind: "version" }>["op"];
export type OsName = Extract<Capability, { kind: "os" }>["os"];

export type ParsedCapability = { ok: true; cap: Capability; canonical: string } | { ok: false; message: string };

const NAME = /^[a-z][a-z0-9._-]{0,63}$/;
const VALUE = /^[A-Za-z0-9][A-Za-z0-9._+/@-]{0,127}$/;
const VERSION = /^v?(\d{1,9}(?:\.\d{1,9}){0,3})$/;
const CONSTRAINT = /^([^<>=!\s]+)\s*(>=|<=|==|=|>|<)\s*(\S*)$/;

const OS_ALIASES: Record<string, OsName> = {
  mac: "mac",
  macos: "mac",
  darwin: "mac",
  osx: "mac",
  linux: "linux",
  windows: "windows",
  win: "windows",
  win32: "windows",
  any: "any",
};

const GRAMMAR_HINT = "expected os:mac|linux|windows|any, a flag like gpu, key:value like has:xcode, or a version like node>=20";

function badName(what: string, name: string): string {
  return `${what} "${name}" must start with a letter and use only letters, digits, '.', '_' or '-' (up to 64)`;
}

/** Parses one capability string; never throws. `canonical` is what the rest of the system stores. */
export function parseCapability(text: string): ParsedCapability {
  if (typeof text !== "string") return { ok: false, message: `expected a capability string, ${GRAMMAR_HINT}` };
  const s = text.trim();
  if (s === "") return { ok: false, message: `empty capability; ${GRAMMAR_HINT}` };
  if (s.length > 200) return { ok: false, message: "capability is longer than 200 characters" };

  if (/[<>=!]/.test(s)) {
    const m = CONSTRAINT.exec(s);
    if (!m) return { ok: false, message: `"${s}" is not a version constraint like node>=20 or pnpm>=9.1` };
    const tool = m[1]!.toLowerCase();
    const op = (m[2] === "==" ? "=" : m[2]) as VersionOp;
    const raw = m[3]!;
    if (!NAME.test(tool)) return { ok: false, message: badName("tool name", m[1]!) };
    if (tool === "os") return { ok: false, message: "os takes no version; write os:mac, os:linux, os:windows or os:any" };
    const v = VERSION.exec(raw);
    if (!v) {
      return {
        ok: false,
        message: raw === "" ? `"${s}" has no version after ${op}` : `"${raw}" is not a version like 20, 9.1 or 1.2.3`,
      };
    }
    const version = v[1]!.split(".").map((p) => String(Number(p))).join(".");
    const cap: Capability = { kind: "version", tool, op, version };
    return { ok: true, cap, canonical: formatCapability(cap) };
  }

  const colon = s.indexOf(":");
  if (colon === -1) {
    const name = s.toLowerCase();
    if (!NAME.test(name)) return { ok: false, message: `${badName("flag", s)}; ${GRAMMAR_HINT}` };
    if (name === "os") return { ok: false, message: "os needs a value: os:mac, os:linux, os:windows or os:any" };
    const cap: Capability = { kind: "flag", name };
    return { ok: true, cap, canonical: formatCapability(cap) };
  }

  const key = s.slice(0, colon).trim().toLowerCase();
  const value = s.slice(colon + 1).trim();
  if (key === "") return { ok: false, message: `"${s}" has no key before ':'; ${GRAMMAR_HINT}` };
  if (!NAME.test(key)) return { ok: false, message: badName("key", s.slice(0, colon).trim()) };
  if (value === "") return { ok: false, message: `"${s}" has no value after ':'` };
  if (key === "os") {
    const os = OS_ALIASES[value.toLowerCase()];
    if (!os) return { ok: false, message: `unknown os "${value}"; expected mac, linux, windows or any` };
    const cap: Capability = { kind: "os", os };
    return { ok: true, cap, canonical: formatCapability(cap) };
  }
  // `cred:git:<host>`: a factory holds git credentials for that host (presence only, issue 15).
  const gitHost = key === "cred" && /^git:/i.test(value) ? value.slice(4) : undefined;
  if (gitHost !== undefined) {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::[0-9]{1,5})?$/.test(gitHost)) return { ok: false, message: `"${gitHost}" in cred:git:<host> is not a host name` };
    const cap: Capability = { kind: "tag", key, value: `git:${gitHost.toLowerCase()}` };
    return { ok: true, cap, canonical: formatCapability(cap) };
  }
  if (!VALUE.test(value)) {
    return {
      ok: false,
      message: `value "${value}" of ${key} must start with a letter or digit and use only letters, digits, '.', '_', '+', '/', '@' or '-'`,
    };
  }
  const cap: Capability = { kind: "tag", key, value };
  return { ok: true, cap, canonical: formatCapability(cap) };
}

/** The canonical string of a capability (parseCapability(formatCapability(c)) gives c back). */
export function formatCapability(cap: Capability): string {
  switch (cap.kind) {
    case "os":
      return `os:${cap.os}`;
    case "flag":
      return cap.name;
    case "tag":
      return `${cap.key}:${cap.value}`;
    case "version":
      return `${cap.tool}${cap.op}${cap.version}`;
  }
}

function versionParts(v: string): number[] {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
  if (!m) return [];
  return m[1]!.split(".").map((p) => Number(p));
}

/**
 * Numeric dotted comparison: "9.10" > "9.9", missing components count as 0 ("20" = "20.0.0" < "20.11.1").
 * A leading `v` and any suffix after the numeric part ("20.1.0-beta") are ignored. Returns -1, 0 or 1.
 */
export function compareVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Whether an advertised version meets `op required`, compared at the requirement's precision. */
export function versionMeets(advertised: string, op: VersionOp, required: string): boolean {
  const have = versionParts(advertised);
  if (have.length === 0) return false;
  const precision = versionParts(required).length;
  const c = compareVersions(have.slice(0, precision).join("."), required);
  switch (op) {
    case ">=":
      return c >= 0;
    case ">":
      return c > 0;
    case "<=":
      return c <= 0;
    case "<":
      return c < 0;
    case "=":
      return c === 0;
  }
}

/**
 * Whether a factory advertising `advertised` (plain strings, see the header) meets one requirement.
 * Hot path of the scheduler: os/flag/tag are one Set lookup, so advertised strings must be canonical
 * (build the set with `advertisedSet` when they come from outside); a version requirement scans the
 * set for `tool:` tags.
 */
export function satisfies(required: Capability, advertised: ReadonlySet<string>): boolean {
  switch (required.kind) {
    case "os":
      return required.os === "any" || advertised.has(`os:${required.os}`);
    case "flag":
      return advertised.has(required.name);
    case "tag":
      return advertised.has(`${required.key}:${required.value}`);
    case "version": {
      const prefix = `${required.tool}:`;
      for (const a of advertised) {
        if (a.startsWith(prefix) && versionMeets(a.slice(prefix.length), required.op, required.version)) return true;
      }
      return false;
    }
  }
}

/**
 * Canonical set of what a factory advertises: "OS:Linux" → "os:linux", "os:darwin" → "os:mac".
 * Strings that are not valid capabilities are kept as given (they can only match themselves).
 */
export function advertisedSet(advertised: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const a of advertised) {
    const p = parseCapability(a);
    out.add(p.ok ? p.canonical : a);
  }
  return out;
}

/** Parses a list and returns canonical strings, or the problems by index. */
export function parseCapabilityList(
  items: readonly string[],
): { ok: true; canonical: string[] } | { ok: false; problems: { index: number; message: string }[] } {
  const canonical: string[] = [];
  const problems: { index: number; message: string }[] = [];
  items.forEach((item, index) => {
    const p = parseCapability(item);
    if (p.ok) canonical.push(p.canonical);
    else problems.push({ index, message: p.message });
  });
  return problems.length ? { ok: false, problems } : { ok: true, canonical };
}
