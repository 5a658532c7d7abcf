/**
 * The repository caches under --workdir/repos: one bare clone per repository, named
 * `<name>-<16 hex of the URL's hash>.git`. The workspace builds a job's checkout from one; the agent
 * reports them as warm repos (`repo:<name>`) so the scheduler prefers this factory for jobs on a
 * repository it already holds. Names only: a URL may carry credentials, and secrets never leave the
 * factory.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { LIMITS } from "@/lib/protocol";

const CACHE_NAME = /^(.+)-[0-9a-f]{16}\.git$/;

/** Turns a repository's last path segment into a directory-safe name (never empty). */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[.-]+/, "").slice(0, 80) || "job";
}

/** Where the bare clone of `repo` (a URL or an absolute path) lives. */
export function repoCachePath(workdir: string, repo: string): string {
  const key = createHash("sha256").update(repo).digest("hex").slice(0, 16);
  return path.join(workdir, "repos", `${safeName(path.basename(repo).replace(/\.git$/, ""))}-${key}.git`);
}

/** `repo:<name>` for every complete cache (its HEAD written), sorted, at most LIMITS.warm. */
export function warmRepos(workdir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(path.join(workdir, "repos"));
  } catch {
    return []; // no job with a repo has run here yet
  }
  const names = new Set<string>();
  for (const entry of entries) {
    const m = CACHE_NAME.exec(entry);
    if (m && existsSync(path.join(workdir, "repos", entry, "HEAD"))) names.add(`repo:${m[1]}`);
  }
  return [...names].sort().slice(0, LIMITS.warm);
}
