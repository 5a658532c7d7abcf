/**
 * Reading the folder queue's job files: lib/manifest, and the profile a file names from
 * DIR/profiles/<name>.md (offline there is no catalog to ask). Parse results are cached by
 * `stage/stem` while the file's mtime and size are unchanged: the loop scans the inbox often.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { sha256Hex } from "@/lib/hash";
import { parseJobFile } from "@/lib/manifest";
import { parseProfile, resolveJob, type ResolvedJob } from "@/lib/profile";
import type { FieldProblem } from "@/lib/types";
import type { FolderQueue, StageDir } from "./folder";

export type Loaded = { ok: true; job: ResolvedJob; hash: string } | { ok: false; errors: FieldProblem[] };

export class JobFiles {
  private readonly cache = new Map<string, { key: string; loaded: Loaded }>();

  constructor(
    private readonly queue: FolderQueue,
    private readonly dir: string,
  ) {}

  /** undefined: the file is gone (another agent moved it). */
  load(stage: StageDir, stem: string): Loaded | undefined {
    const file = this.queue.path(stage, stem);
    let text: string;
    let key: string;
    try {
      const st = statSync(file);
      key = `${st.mtimeMs}:${st.size}`;
      const hit = this.cache.get(`${stage}/${stem}`);
      if (hit && hit.key === key) return hit.loaded;
      text = readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
    const loaded = this.parse(text, `${stem}.md`);
    this.cache.set(`${stage}/${stem}`, { key, loaded });
    return loaded;
  }

  private parse(text: string, fileName: string): Loaded {
    const r = parseJobFile(text, { fileName });
    if (!r.ok) return { ok: false, errors: r.errors };
    const hash = sha256Hex(text);
    const name = r.spec.manifest.profile;
    if (!name) return { ok: true, job: resolveJob(r.spec, r.setFields), hash };
    const file = path.join(this.dir, "profiles", `${name}.md`);
    let profileText: string;
    try {
      profileText = readFileSync(file, "utf8");
    } catch {
      return { ok: false, errors: [{ path: "profile", message: `profile "${name}" not found: offline, profiles are read from ${file}` }] };
    }
    const p = parseProfile(profileText, `${name}.md`);
    if (!p.ok) return { ok: false, errors: p.errors.map((e) => ({ path: `profile (${file}): ${e.path}`, message: e.message })) };
    return { ok: true, job: resolveJob(r.spec, r.setFields, p.profile), hash };
  }
}
