import "server-only";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseProfile, resolveJob, type Profile } from "@/lib/profile";
import type { JobSpec } from "@/lib/types";
import { log } from "@/server/log";
import type { ProfileInfo, ProfileSource } from "./job-input";

/**
 * The profile catalog from `profiles/*.md`, re-read when a file changes (checked at most every
 * `recheckMs`), so editing a profile affects only jobs submitted afterwards. A file that does not
 * parse is skipped with a warning rather than taking the catalog down.
 */
export function fileProfileSource(dir: string, now: () => number, recheckMs = 2_000): ProfileSource {
  let cache: { at: number; profiles: Map<string, Profile> } | undefined;

  async function load(): Promise<Map<string, Profile>> {
    if (cache && now() - cache.at < recheckMs) return cache.profiles;
    const profiles = new Map<string, Profile>();
    let files: string[] = [];
    try {
      files = (await readdir(dir)).filter((f) => f.endsWith(".md")).sort();
    } catch {
      // no catalog folder: no profiles
    }
    for (const file of files) {
      const text = await readFile(path.join(dir, file), "utf8");
      const parsed = parseProfile(text, file);
      if (parsed.ok) profiles.set(parsed.profile.name, parsed.profile);
      else log.warn({ file, errors: parsed.errors }, "profile skipped: it does not parse");
    }
    cache = { at: now(), profiles };
    return profiles;
  }

  const info = (p: Profile): ProfileInfo => ({
    name: p.name,
    version: p.version,
    summary: {
      name: p.name,
      version: p.version,
      ...(p.description ? { description: p.description } : {}),
      persona: p.persona,
      capabilities: p.capabilities,
      ...(p["default-verify"] ? { "default-verify": p["default-verify"] } : {}),
      ...(p["engine-class"] ? { "engine-class": p["engine-class"] } : {}),
      "prefers-engine": p["prefers-engine"],
      "allowed-scope": p["allowed-scope"],
      ...(p["review-policy"] ? { "review-policy": p["review-policy"] } : {}),
      ...(p["allow-direct-push"] ? { "allow-direct-push": true } : {}),
    },
  });

  return {
    async list() {
      return [...(await load()).values()].map(info);
    },
    async get(name) {
      const p = (await load()).get(name);
      return p ? info(p) : undefined;
    },
    async resolve(spec: JobSpec, setFields: string[], name: string) {
      const p = (await load()).get(name);
      if (!p) return undefined;
      const r = resolveJob(spec, setFields, p);
      // The stored body is what the engine receives: the persona is fixed at submit time.
      return { spec: { manifest: r.manifest, body: r.prompt, title: r.title }, name: p.name, version: p.version, allowDirectPush: p["allow-direct-push"] };
    },
  };
}
