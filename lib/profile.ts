/**
 * Profiles: roles a job can name (`profile: backend-engineer`). A profile is a markdown file like a
 * job: front matter with defaults and requirements, and a persona (the `persona` field, or else the
 * body) that is prepended to the job's prompt.
 *
 * Resolution (`resolveJob`): the job keeps every field it set and inherits what it left unset —
 * `verify` ← `default-verify`, `engine-class`, `allowed-scope`, `review-policy`; `capabilities` are
 * the union of the profile's and the job's; `prefers-engine` becomes `engine:<name>` hints appended to
 * `prefers` (in order) unless the job names an `engine` itself. The profile is identified by name +
 * `profileVersion` (a hash of its content) so a job can keep a snapshot that later edits never change.
 */
import { z } from "zod";
import { suggestion } from "./did-you-mean";
import { shortHash } from "./hash";
import { FILE, normalizeText, readYaml, splitFrontMatter } from "./manifest/front-matter";
import { toFieldProblems } from "./manifest/issues";
import { refuseSecrets, reviewPolicySchema } from "./manifest/schema";
import { checkBoolean, checkCapability, checkEngine, checkEngineClass, checkGlob, checkProfileName, checkShellCommand, type Check } from "./manifest/values";
import { field, list } from "./manifest/zod-fields";
import { formatBytes } from "./size";
import type { FieldProblem, JobSpec, Manifest, ReviewPolicy } from "./types";

export interface Profile {
  name: string;
  /** one line for lists (optional) */
  description?: string;
  /** prepended to the job body */
  persona: string;
  capabilities: string[];
  "default-verify"?: string;
  "engine-class"?: string;
  /** ordered, most preferred first */
  "prefers-engine": string[];
  "allowed-scope": string[];
  "review-policy"?: ReviewPolicy;
  /** jobs under this profile may use `delivery: merge` (push straight to the base branch) */
  "allow-direct-push": boolean;
  /** profileVersion of the file this came from */
  version: string;
}

export const MAX_PROFILE_BYTES = 65_536;

const checkDescription = (v: unknown): Check<string> => {
  if (typeof v !== "string" || v.trim() === "") return { ok: false, message: "expected one line of text" };
  if (v.includes("\n") || v.length > 200) return { ok: false, message: "expected one line of at most 200 characters" };
  return { ok: true, value: v.trim() };
};

const checkPersona = (v: unknown): Check<string> => {
  if (typeof v !== "string") return { ok: false, message: "expected the persona as text" };
  if (v.trim() === "") return { ok: false, message: "the persona is empty" };
  return { ok: true, value: v.trim() };
};

const profileShape = {
  name: field(checkProfileName).optional(),
  description: field(checkDescription).optional(),
  persona: field(checkPersona).optional(),
  capabilities: list(checkCapability, "capabilities like os:mac, gpu or node>=20", { unique: "dedupe" }).optional(),
  "default-verify": field(checkShellCommand).optional(),
  "engine-class": field(checkEngineClass).optional(),
  "prefers-engine": list(checkEngine, "engines, most preferred first", { unique: "dedupe" }).optional(),
  "allowed-scope": list(checkGlob, "globs like src/**", { unique: "dedupe" }).optional(),
  "review-policy": reviewPolicySchema.optional(),
  "allow-direct-push": field(checkBoolean).optional(),
};
export const PROFILE_FIELDS = Object.keys(profileShape);

/** Input: a profile's front matter. Output: its fields, checked and normalized (persona, name added later). */
export const profileSchema = z.preprocess(
  refuseSecrets("profiles"),
  z
    .looseObject(profileShape, { error: (i) => (i.code === "invalid_type" ? "expected the front matter to be a mapping of fields" : undefined) })
    .superRefine(
      (input, ctx) => {
        for (const key of Object.keys(input)) {
          if (key in profileShape || key.startsWith("x-")) continue;
          const hint = suggestion(key, PROFILE_FIELDS, {
            verify: "default-verify",
            engine: "prefers-engine",
            engines: "prefers-engine",
            "direct-push": "allow-direct-push",
            "allow-push": "allow-direct-push",
            "allow-merge": "allow-direct-push",
          });
          ctx.addIssue({ code: "custom", path: [key], message: `unknown field \`${key}\`${hint || " (custom fields must start with x-)"}`, input: undefined });
        }
      },
      { when: () => true },
    ),
);

/** The hash a job keeps to name the exact profile it ran with: 12 hex of sha256 of the normalized text. */
export function profileVersion(text: string): string {
  return shortHash(normalizeText(text).replace(/[ \t]+$/gm, "").trimEnd() + "\n");
}

export type ProfileResult = { ok: true; profile: Profile } | { ok: false; errors: FieldProblem[] };

/** Parses `profiles/<name>.md`; `fileName` supplies (and must agree with) the name. Never throws. */
export function parseProfile(text: string, fileName?: string): ProfileResult {
  try {
    if (typeof text !== "string") return fail(FILE, "expected the text of a profile");
    if (text.length > MAX_PROFILE_BYTES) return fail(FILE, `the profile is larger than ${formatBytes(MAX_PROFILE_BYTES)}`);
    const normalized = normalizeText(text);
    if (normalized.trim() === "") return fail(FILE, "the file is empty: a profile needs at least a persona");
    const split = splitFrontMatter(normalized);
    if (!split.ok) return { ok: false, errors: [split.problem] };
    let raw: unknown = {};
    if (split.frontMatter !== undefined) {
      const y = readYaml(split.frontMatter, 1);
      if (!y.ok) return { ok: false, errors: y.problems };
      raw = y.value ?? {};
    }
    const r = profileSchema.safeParse(raw);
    if (!r.success) return { ok: false, errors: toFieldProblems(r.error.issues) };
    const data = r.data as { [K in keyof typeof profileShape]?: z.output<(typeof profileShape)[K]> };

    const errors: FieldProblem[] = [];
    const stem = fileName?.split(/[\\/]/).pop()?.replace(/\.md$/i, "");
    const name = data.name ?? stem;
    if (name === undefined) errors.push({ path: "name", message: "a profile needs a name (or a file name to take it from)" });
    else if (stem !== undefined && data.name !== undefined && data.name !== stem) {
      errors.push({ path: "name", message: `the name "${data.name}" differs from the file name "${stem}.md": they must agree` });
    } else if (data.name === undefined && !checkProfileName(stem).ok) {
      errors.push({ path: "name", message: `the file name "${stem}" is not a profile name (lowercase letters, digits and '-')` });
    }
    const body = split.body.trim();
    if (data.persona !== undefined && body !== "") {
      errors.push({ path: "persona", message: "the persona is both in the persona field and in the body: keep one" });
    }
    const persona = data.persona ?? body;
    if (persona === "") errors.push({ path: "persona", message: "the profile has no persona: write it in the body (or the persona field)" });
    if (errors.length || name === undefined) return { ok: false, errors };

    const profile: Profile = {
      name,
      ...(data.description !== undefined && { description: data.description }),
      persona,
      capabilities: data.capabilities ?? [],
      ...(data["default-verify"] !== undefined && { "default-verify": data["default-verify"] }),
      ...(data["engine-class"] !== undefined && { "engine-class": data["engine-class"] }),
      "prefers-engine": data["prefers-engine"] ?? [],
      "allowed-scope": data["allowed-scope"] ?? [],
      ...(data["review-policy"] !== undefined && { "review-policy": data["review-policy"] }),
      "allow-direct-push": data["allow-direct-push"] ?? false,
      version: profileVersion(text),
    };
    return { ok: true, profile };
  } catch (err) {
    return fail(FILE, `could not be read (${err instanceof Error ? err.message : String(err)})`);
  }
}

function fail(path: string, message: string): { ok: false; errors: FieldProblem[] } {
  return { ok: false, errors: [{ path, message }] };
}

export interface ResolvedJob extends JobSpec {
  /** what the engine receives: the persona, a blank line, then the job body */
  prompt: string;
  /** the snapshot to keep with the job */
  profile?: { name: string; version: string };
}

/** The prompt an engine receives for a body under a persona (the golden test pins this form). */
export function personaPrompt(persona: string, body: string): string {
  return `${persona.trim()}\n\n${body}`;
}

/**
 * Applies a profile to a parsed job: the job's explicitly set fields (`setFields`, from parseJobFile)
 * win; everything else comes from the profile (see the header for the rules). Without a profile the
 * job is returned as it is, with prompt = body.
 */
export function resolveJob(spec: JobSpec, setFields: readonly string[], profile?: Profile): ResolvedJob {
  if (!profile) return { ...spec, manifest: { ...spec.manifest }, prompt: spec.body };
  const set = new Set(setFields);
  const m: Manifest = { ...spec.manifest };
  const unset = (f: string) => !set.has(f);

  m.capabilities = [...new Set([...profile.capabilities, ...spec.manifest.capabilities])];
  if (unset("verify") && profile["default-verify"] !== undefined) m.verify = profile["default-verify"];
  if (unset("engine-class") && profile["engine-class"] !== undefined) m["engine-class"] = profile["engine-class"];
  if (unset("allowed-scope") && profile["allowed-scope"].length) m["allowed-scope"] = [...profile["allowed-scope"]];
  if (unset("review-policy") && profile["review-policy"] !== undefined) m["review-policy"] = profile["review-policy"];
  if (m.engine === undefined && profile["prefers-engine"].length) {
    m.prefers = [...new Set([...spec.manifest.prefers, ...profile["prefers-engine"].map((e) => `engine:${e}`)])];
  }
  if (m.profile === undefined) m.profile = profile.name;
  return {
    manifest: m,
    body: spec.body,
    title: spec.title,
    prompt: personaPrompt(profile.persona, spec.body),
    profile: { name: profile.name, version: profile.version },
  };
}
