import "server-only";
import type { ProfileSummary } from "@/lib/api/system";
import { sha256Hex, stableStringify } from "@/lib/hash";
import { parseJobFile, parseJobObject } from "@/lib/manifest";
import { deliveryProblems } from "@/lib/delivery";
import type { FieldProblem, JobSpec } from "@/lib/types";
import { FleetError } from "@/server/errors";

/**
 * From what a person submitted to the spec the coordinator stores: parse (markdown file or JSON
 * `{manifest, body}`), then resolve the profile (inherit unset fields, prepend the persona) and note
 * the profile's name + version so editing the profile later never changes this job.
 */
export type Submission = { kind: "markdown"; text: string; fileName?: string } | { kind: "json"; value: unknown };

export interface ProfileInfo {
  name: string;
  version: string;
  /** what the API shows of it (GET /profiles) */
  summary: ProfileSummary;
}

/** The profile catalog as the coordinator needs it (server/coordinator/profiles.ts adapts server/profiles). */
export interface ProfileSource {
  list(): Promise<ProfileInfo[]>;
  get(name: string): Promise<ProfileInfo | undefined>;
  /** The job with the profile applied; undefined when the profile does not exist. */
  resolve(
    spec: JobSpec,
    setFields: string[],
    name: string,
  ): Promise<{ spec: JobSpec; name: string; version: string; /** the profile's allow-direct-push */ allowDirectPush?: boolean } | undefined>;
}

export async function resolveSubmission(
  profiles: ProfileSource,
  s: Submission,
): Promise<{ spec: JobSpec; rawHash: string; profile?: { name: string; version: string } }> {
  const parsed = s.kind === "markdown" ? parseJobFile(s.text, { fileName: s.fileName ?? "job.md" }) : parseJobObject(s.value);
  if (!parsed.ok) throw new FleetError("validation", "the job is not valid", { errors: parsed.errors });
  // Idempotency compares what was submitted, not what a (possibly edited) profile made of it.
  const rawHash = contentHashOf(parsed.spec);
  const name = parsed.spec.manifest.profile;
  const at = s.kind === "json" ? "manifest." : "";
  if (!name) {
    refuse(deliveryProblems(parsed.spec.manifest), at);
    return { spec: parsed.spec, rawHash };
  }
  const resolved = await profiles.resolve(parsed.spec, parsed.setFields, name);
  if (!resolved) {
    const known = (await profiles.list()).map((p) => p.name);
    throw new FleetError("validation", `unknown profile "${name}"`, {
      errors: [{ path: "profile", message: `unknown profile "${name}"; known: ${known.join(", ") || "(none)"}` }],
    });
  }
  refuse(deliveryProblems(resolved.spec.manifest, { name: resolved.name, "allow-direct-push": resolved.allowDirectPush === true }), at);
  return { spec: resolved.spec, rawHash, profile: { name: resolved.name, version: resolved.version } };
}

function refuse(errors: FieldProblem[], prefix: string): void {
  if (errors.length > 0) throw new FleetError("validation", "the job is not valid", { errors: errors.map((e) => ({ ...e, path: prefix + e.path })) });
}

/** What idempotency compares: the submitted manifest, body and title (before any profile). */
export function contentHashOf(spec: Pick<JobSpec, "manifest" | "body" | "title">): string {
  return sha256Hex(stableStringify({ manifest: spec.manifest, body: spec.body, title: spec.title }));
}
