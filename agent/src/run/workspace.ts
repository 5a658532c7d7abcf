/**
 * Where a job runs. With `repo`: a per-factory cache (a bare clone under --workdir/repos, fetched
 * before every job) and one `git worktree` per lease on its own branch, so parallel jobs on one
 * repository never share a working directory and their commits survive the worktree's removal.
 * Without `repo`: the manifest's absolute `cwd`, which must exist. With neither: a scratch
 * directory of its own per attempt (--workdir/scratch/<lease>), made a git repository with one
 * empty commit so scope, diff, artifacts and commits work as they do in a checkout; it is removed
 * after the run unless an artifact the run reported points into it.
 */
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { repoCachePath } from "../detect/repo-caches";
import { git, gitNetwork, isGitRepo } from "./git";

export interface Workspace {
  /** the checkout root (scope is computed against it); undefined when cwd is not in a git repo */
  root?: string;
  /** where the engine runs */
  cwd: string;
  /** HEAD when the job started: the base for scope, commits and the diff */
  baseCommit?: string;
  /**
   * Call after the job: removes the worktree (keeps its branch) or the scratch directory.
   * `referenced`: paths the run reported (artifacts); a scratch directory holding one is kept.
   */
  cleanup(referenced?: readonly string[]): Promise<void>;
}

export class WorkspaceError extends Error {
  override name = "WorkspaceError";
}

// Clone/fetch of one repo cache must not interleave (two jobs on one repo claimed together).
// No --prune on fetch: it would delete the fleet/* branches that hold finished jobs' commits.
const repoLocks = new Map<string, Promise<unknown>>();
function withRepoLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = repoLocks.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  repoLocks.set(
    key,
    next.catch(() => undefined),
  );
  return next;
}

const safeRef = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[.-]+/, "").slice(0, 80) || "job";

export async function prepareWorkspace(input: {
  workdir: string;
  repo?: string;
  cwd?: string;
  jobId: string;
  leaseId: string;
}): Promise<Workspace> {
  if (!input.repo) {
    if (!input.cwd) return scratchWorkspace(input.workdir, input.leaseId);
    if (!path.isAbsolute(input.cwd)) throw new WorkspaceError(`cwd "${input.cwd}" must be absolute when repo is not set`);
    if (!existsSync(input.cwd) || !statSync(input.cwd).isDirectory()) {
      throw new WorkspaceError(`cwd "${input.cwd}" does not exist on this factory`);
    }
    const ws: Workspace = { cwd: input.cwd, cleanup: async () => {} };
    if (await isGitRepo(input.cwd)) {
      ws.root = (await git(["rev-parse", "--show-toplevel"], input.cwd)).trim();
      try {
        ws.baseCommit = (await git(["rev-parse", "HEAD"], input.cwd)).trim();
      } catch {
        // a repository without commits: no base
      }
    }
    return ws;
  }

  const repo = resolveRepo(input.repo);
  const cache = repoCachePath(input.workdir, repo);
  await withRepoLock(cache, async () => {
    if (!existsSync(path.join(cache, "HEAD"))) {
      mkdirSync(path.dirname(cache), { recursive: true });
      await gitNetwork(["clone", "--bare", "--quiet", repo, cache], input.workdir, 30 * 60_000);
    } else {
      await gitNetwork(["fetch", "--quiet", "origin", "+refs/heads/*:refs/heads/*"], cache, 30 * 60_000);
    }
  });

  const dir = path.join(input.workdir, "jobs", safeRef(input.leaseId));
  const branch = `fleet/${safeRef(input.jobId)}-${safeRef(input.leaseId)}`;
  await withRepoLock(cache, () => git(["worktree", "add", "--quiet", "-b", branch, dir, "HEAD"], cache));
  const baseCommit = (await git(["rev-parse", "HEAD"], dir)).trim();
  // Engines that commit need an identity; give the checkout one unless the user has their own.
  const email = await git(["config", "user.email"], dir).catch(() => "");
  if (!email.trim()) {
    await git(["config", "--local", "user.email", "fleet-agent@localhost"], cache);
    await git(["config", "--local", "user.name", "fleet-agent"], cache);
  }

  const cwd = path.resolve(dir, input.cwd ?? ".");
  if (cwd !== dir && !cwd.startsWith(dir + path.sep)) throw new WorkspaceError(`cwd "${input.cwd}" leaves the checkout`);
  if (!existsSync(cwd)) throw new WorkspaceError(`cwd "${input.cwd}" does not exist in ${input.repo}`);
  return {
    root: dir,
    cwd,
    baseCommit,
    cleanup: () => withRepoLock(cache, () => git(["worktree", "remove", "--force", dir], cache).then(() => undefined)),
  };
}

async function scratchWorkspace(workdir: string, leaseId: string): Promise<Workspace> {
  const dir = path.join(workdir, "scratch", safeRef(leaseId));
  // A lease id is unique, so an existing directory is a leftover of this same lease (an agent
  // restarted mid-job): start it over rather than run on top of half a previous attempt.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    await git(["-c", "init.defaultBranch=main", "init", "--quiet"], dir);
    // Engines that commit need an identity, and a factory may have no user config at all.
    await git(["config", "--local", "user.email", "fleet-agent@localhost"], dir);
    await git(["config", "--local", "user.name", "fleet-agent"], dir);
    await git(["commit", "--quiet", "--allow-empty", "--no-verify", "-m", "scratch workspace"], dir);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new WorkspaceError(`cannot create a scratch directory: ${(e as Error).message}`);
  }
  const baseCommit = (await git(["rev-parse", "HEAD"], dir)).trim();
  return {
    root: dir,
    cwd: dir,
    baseCommit,
    cleanup: async (referenced = []) => {
      if (referenced.some((p) => isInside(dir, path.resolve(p)))) return;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function isInside(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir + path.sep);
}

/** A local path is used as is (absolute); anything else is a URL git understands. */
function resolveRepo(repo: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^:]+:/.test(repo)) return repo;
  return path.resolve(repo);
}
