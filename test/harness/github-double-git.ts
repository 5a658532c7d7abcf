import { execFileSync, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type http from "node:http";
import os from "node:os";
import path from "node:path";
import { serveGitBackend } from "./git-http-backend";

/**
 * The git half of the GitHub double: a repository backed by a real bare git repository, served
 * over smart HTTP (`git http-backend` as CGI) on the double's own host at `/<owner>/<repo>.git`,
 * with the double's token as the basic-auth password (as GitHub takes a token). Branch heads are
 * read from the bare repository, and a merge through the API really merges in it (merge commit,
 * squash or rebase through git plumbing), so the base branch moves to the SHA the API returns.
 */

const ENV = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "GitHub",
  GIT_AUTHOR_EMAIL: "noreply@github.com",
  GIT_COMMITTER_NAME: "GitHub",
  GIT_COMMITTER_EMAIL: "noreply@github.com",
};

function git(dir: string, args: string[], input?: string): string {
  return execFileSync("git", args, { cwd: dir, env: { ...process.env, ...ENV }, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], ...(input !== undefined ? { input } : {}) }).trim();
}

/** git that may fail: exit status and output, no throw */
function tryGit(dir: string, args: string[]): { status: number; out: string } {
  const r = spawnSync("git", args, { cwd: dir, env: { ...process.env, ...ENV }, encoding: "utf8" });
  return { status: r.status ?? 1, out: (r.stdout ?? "").trim() };
}

export class GitRoot {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), "gh-double-git-"));

  bare(owner: string, repo: string): string {
    return path.join(this.dir, owner.toLowerCase(), `${repo.toLowerCase()}.git`);
  }

  /** a bare repository with one commit on `base` (README.md), returns its path */
  create(owner: string, repo: string, base: string): string {
    const bare = this.bare(owner, repo);
    mkdirSync(path.dirname(bare), { recursive: true });
    git(this.dir, ["init", "-q", "--bare", "-b", base, bare]);
    // Pushes over http-backend are allowed for an authenticated user; this says so explicitly.
    git(bare, ["config", "http.receivepack", "true"]);
    const seed = mkdtempSync(path.join(this.dir, "seed-"));
    git(seed, ["init", "-q", "-b", base]);
    writeFileSync(path.join(seed, "README.md"), `# ${repo}\n`);
    git(seed, ["add", "-A"]);
    git(seed, ["commit", "-q", "-m", "Initial commit"]);
    git(seed, ["push", "-q", bare, `HEAD:refs/heads/${base}`]);
    rmSync(seed, { recursive: true, force: true });
    return bare;
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function branchesOf(bare: string): Map<string, string> {
  const out = git(bare, ["for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/heads"]);
  return new Map(out.split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]));
}

export function setBranch(bare: string, branch: string, sha: string): void {
  git(bare, ["update-ref", `refs/heads/${branch}`, sha]);
}

/** commits on `head` not on `base` */
export function aheadCount(bare: string, base: string, head: string): number {
  return Number(git(bare, ["rev-list", "--count", `${base}..${head}`]));
}

/** whether head merges into base without a conflict (git's own three-way merge) */
export function mergesCleanly(bare: string, base: string, head: string): boolean {
  return tryGit(bare, ["merge-tree", "--write-tree", base, head]).status === 0;
}

/**
 * Merges `head` into `base` in the bare repository as GitHub would and moves `base` to the result:
 *   merge  — a merge commit with both parents
 *   squash — one commit on base with the merged tree ("title (#N)")
 *   rebase — each commit of head replayed on base (new committer), base moves to the last one
 * Returns the new head of base, or undefined on a conflict (nothing moves then).
 */
export function mergeInBare(bare: string, o: { base: string; head: string; method: string; number: number; title: string; headBranch: string; owner: string }): string | undefined {
  const baseSha = git(bare, ["rev-parse", `refs/heads/${o.base}`]);
  const headSha = git(bare, ["rev-parse", o.head]);
  let result: string;
  if (o.method === "rebase") {
    const wt = mkdtempSync(path.join(os.tmpdir(), "gh-double-rebase-"));
    try {
      git(bare, ["worktree", "add", "-q", "--detach", wt, baseSha]);
      const commits = git(bare, ["rev-list", "--reverse", "--no-merges", `${baseSha}..${headSha}`]).split("\n").filter(Boolean);
      for (const c of commits) {
        if (tryGit(wt, ["cherry-pick", "--allow-empty", "--keep-redundant-commits", c]).status !== 0) return undefined;
      }
      result = git(wt, ["rev-parse", "HEAD"]);
    } finally {
      tryGit(bare, ["worktree", "remove", "--force", wt]);
      rmSync(wt, { recursive: true, force: true });
    }
  } else {
    const tree = tryGit(bare, ["merge-tree", "--write-tree", baseSha, headSha]);
    if (tree.status !== 0) return undefined;
    const treeSha = tree.out.split("\n")[0]!;
    result =
      o.method === "squash"
        ? git(bare, ["commit-tree", treeSha, "-p", baseSha, "-m", `${o.title} (#${o.number})`])
        : git(bare, ["commit-tree", treeSha, "-p", baseSha, "-p", headSha, "-m", `Merge pull request #${o.number} from ${o.owner}/${o.headBranch}\n\n${o.title}`]);
  }
  // Compare-and-swap: the base must still be where the merge started.
  git(bare, ["update-ref", `refs/heads/${o.base}`, result, baseSha]);
  return result;
}

/** `/<owner>/<repo>.git/…`: a git smart-HTTP path of the double */
export const GIT_PATH = /^\/([^/]+)\/([^/]+?)\.git(\/.*)$/;

/**
 * Serves one git smart-HTTP request from the bare repositories under `root` through
 * `git http-backend` (git-http-backend.ts); owner and repository match in any case, as on GitHub.
 * `user` is who authenticated (basic auth with the token as password), or undefined: GitHub
 * answers an unauthenticated request to a private repository with 401.
 */
export function serveGit(root: GitRoot, req: http.IncomingMessage, res: http.ServerResponse, url: URL, user: string | undefined, children: Set<ChildProcess>): void {
  if (user === undefined) {
    req.resume();
    res.writeHead(401, { "www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain" });
    res.end("Authentication required\n");
    return;
  }
  const m = GIT_PATH.exec(url.pathname)!;
  serveGitBackend(req, res, { root: root.dir, pathInfo: `/${m[1]!.toLowerCase()}/${m[2]!.toLowerCase()}.git${m[3]}`, url, user, children });
}

/** the user of a basic-auth header whose password is `token` (any user name, as GitHub takes a token) */
export function basicAuthUser(header: string | undefined, token: string): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, "base64").toString("utf8");
  const i = text.indexOf(":");
  if (i < 0) return undefined;
  return text.slice(i + 1) === token ? text.slice(0, i) || "x-access-token" : undefined;
}
