import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { repoCachePath, warmRepos } from "./repo-caches";

let workdir: string;
beforeEach(() => {
  workdir = mkdtempSync(path.join(os.tmpdir(), "fleet-warm-"));
});
afterEach(() => rmSync(workdir, { recursive: true, force: true }));

/** A cache as `git clone --bare` leaves it: a directory with HEAD. */
function cache(repo: string, complete = true): void {
  const dir = repoCachePath(workdir, repo);
  mkdirSync(dir, { recursive: true });
  if (complete) writeFileSync(path.join(dir, "HEAD"), "ref: refs/heads/main\n");
}

describe("warm repos", () => {
  it("is empty before any repository was cached", () => {
    expect(warmRepos(workdir)).toEqual([]);
  });

  // That the scheduler keys these names like the job's `repo` is shown end to end in test/api (warm-cost).
  it("names each complete cache by the repository's last path segment, never the URL", () => {
    const repos = ["git@github.com:acme/web.git", "https://token@example.com/acme/api", "/srv/git/tools.git"];
    for (const r of repos) cache(r);
    cache("https://example.com/acme/half-cloned", false);
    mkdirSync(path.join(workdir, "repos", "not-a-cache"));
    const warm = warmRepos(workdir);
    expect(warm).toEqual(["repo:api", "repo:tools", "repo:web"]);
    expect(warm.join(" ")).not.toContain("token");
  });

  it("reports one name once when two URLs of one repository are cached", () => {
    cache("git@github.com:acme/web.git");
    cache("https://github.com/acme/web");
    expect(warmRepos(workdir)).toEqual(["repo:web"]);
  });
});
