/**
 * Where a job runs. With `repo`: a per-factory cache (a bare clone under --workdir/repos, fetched
 * before every job) and one checkout per lease on its own branch, so parallel jobs on one
 * repository never share a working directory and their commits survive the checkout's removal.
 * Without `repo`: the manifest's absolute `cwd`, which must exist. With neither: a scratch
 * directory of its own per attempt (--workdir/scratch/<lease>), with one empty commit so scope,
 * diff, artifacts and commits work as they do in a checkout; it is removed after the run unless an
 * artifact the run reported points into it.
 *
 * Two git directories per checkout (repo and scratch), because a job is hostile:
 *   - the JOB's: `<checkout>/.git`, its own repository (`clone --shared`: it borrows the cache's
 *     objects read-only through `objects/info/alternates` and writes only its own). The job may do
 *     anything to it, config and hooks included; nothing of it is shared with another job.
 *   - the AGENT's: a `git worktree` of the cache (repo) or a private repository (scratch), outside
 *     the checkout and never visible to the job (the sandbox hides --workdir). Its HEAD, index and
 *     config only the agent writes. After the run, `collect()` fetches the job's HEAD into it
 *     (upload-pack honours no repository hook) and every later step (leftover commit, scope,
 *     diff, artifacts) runs with `gitEnv` (GIT_DIR = the agent's, GIT_WORK_TREE = the checkout),
 *     so no config the job wrote (filters, gpg.program, fsmonitor, hooks) ever runs as the agent.
 */
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { repoCachePath } from "../detect/repo-caches";
import { credentialFor, type GitTokens } from "./delivery";
import { git, gitNetwork, isGitRepo } from "./git";

export interface Workspace {
  /** the checkout root (scope is computed against it); undefined when cwd is not in a git repo */
  root?: string;
  /** where the engine runs */
  cwd: string;
  /** HEAD when the job started: the base for scope, commits and the diff */
  baseCommit?: string;
  /** repo mode: the repository cache (bare) and the job's local branch in it, kept after cleanup */
  cache?: string;
  localBranch?: string;
  /**
   * The environment for the agent's own git on this checkout (GIT_DIR: the agent's git directory,
   * GIT_WORK_TREE: the checkout). Undefined for a `cwd` job (a directory of the factory's own).
   */
  gitEnv?: Record<string, string>;
  /** what the job's git needs to see read-only (the cache's objects, borrowed by alternates) */
  readOnly: string[];
  /**
   * After the run: brings the job's HEAD into the agent's git directory. Resolves with a note
   * when the job's repository could not be read (then its work tree is judged against the base).
   */
  collect(): Promise<string | undefined>;
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

/** The repository cache of a job's repo (for delivery work that needs no checkout). */
export async function repoCache(workdir: string, repoText: string, tokens?: GitTokens): Promise<string> {
  const repo = resolveRepo(repoText);
  const cache = repoCachePath(workdir, repo);
  const cred = credentialFor(repo, tokens);
  await withRepoLock(cache, async () => {
    if (!existsSync(path.join(cache, "HEAD"))) {
      mkdirSync(path.dirname(cache), { recursive: true });
      await gitNetwork([...cred.config, "clone", "--bare", "--quiet", repo, cache], workdir, 30 * 60_000, cred.env);
    }
  });
  return cache;
}

export async function prepareWorkspace(input: {
  workdir: string;
  repo?: string;
  cwd?: string;
  jobId: string;
  leaseId: string;
  /**
   * The job's repository borrows the cache's objects (alternates, read-only in the sandbox);
   * false: it gets a copy (isolation `user`: the job user cannot read the agent's directories).
   */
  shareObjects?: boolean;
  /** per-host tokens from the agent's config, for clone and fetch over http(s) */
  tokens?: GitTokens;
  /**
   * A follow-up of the review loop continues a pushed branch: the checkout starts at this commit
   * (the branch's head on the remote, fetched into the cache with every branch) instead of the
   * cache's HEAD, so the job's commits build on it and its push is a fast-forward.
   */
  startAt?: string;
}): Promise<Workspace> {
  const share = input.shareObjects ?? true;
  if (!input.repo) {
    if (!input.cwd) return scratchWorkspace(input.workdir, input.leaseId, share);
    if (!path.isAbsolute(input.cwd)) throw new WorkspaceError(`cwd "${input.cwd}" must be absolute when repo is not set`);
    if (!existsSync(input.cwd) || !statSync(input.cwd).isDirectory()) {
      throw new WorkspaceError(`cwd "${input.cwd}" does not exist on this factory`);
    }
    const ws: Workspace = { cwd: input.cwd, readOnly: [], collect: async () => undefined, cleanup: async () => {} };
    if (await isGitRepo(input.cwd)) {
      ws.root = (await git(["rev-parse", "--show-toplevel"], input.cwd)).trim();
      // A directory of the factory's own: the agent's git reads its config afterwards, so the job
      // may commit there but not change its config or hooks (read-only in the sandbox).
      for (const p of ["config", "hooks", "info"]) {
        const f = path.join(ws.root, ".git", p);
        if (existsSync(f)) ws.readOnly.push(f);
      }
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
  const cred = credentialFor(repo, input.tokens);
  await withRepoLock(cache, async () => {
    if (!existsSync(path.join(cache, "HEAD"))) {
      mkdirSync(path.dirname(cache), { recursive: true });
      await gitNetwork([...cred.config, "clone", "--bare", "--quiet", repo, cache], input.workdir, 30 * 60_000, cred.env);
    } else {
      await gitNetwork([...cred.config, "fetch", "--quiet", "origin", "+refs/heads/*:refs/heads/*"], cache, 30 * 60_000, cred.env);
    }
  });

  const dir = path.join(input.workdir, "jobs", safeRef(input.leaseId));
  const branch = `fleet/${safeRef(input.jobId)}-${safeRef(input.leaseId)}`;
  // A leftover of this same lease (an agent restarted mid-job): start over.
  await withRepoLock(cache, async () => {
    rmSync(dir, { recursive: true, force: true });
    await git(["worktree", "prune"], cache);
    await git(["branch", "-D", branch], cache).catch(() => "");
    // The agent's view: a worktree admin dir in the cache (HEAD on the job's branch, its own index).
    await git(["worktree", "add", "--quiet", "--no-checkout", "-b", branch, dir, await startOf(cache, input.startAt)], cache);
  });
  const agentGitDir = path.resolve(dir, (await git(["rev-parse", "--git-dir"], dir)).trim());
  const gitEnv = { GIT_DIR: agentGitDir, GIT_WORK_TREE: dir };
  const baseCommit = (await git(["rev-parse", "HEAD"], dir, 120_000, undefined, gitEnv)).trim();
  // Engines that commit need an identity; give the checkout one unless the user has their own.
  const email = await git(["config", "user.email"], dir, 120_000, undefined, gitEnv).catch(() => "");
  if (!email.trim()) {
    await git(["config", "--local", "user.email", "fleet-agent@localhost"], cache);
    await git(["config", "--local", "user.name", "fleet-agent"], cache);
  }
  // The job's own repository in the checkout (replacing the worktree's `.git` link).
  rmSync(path.join(dir, ".git"), { force: true });
  await jobRepository({ from: cache, dir, branch, base: baseCommit, identity: !email.trim(), share });
  // The agent's index matches the base (its work tree is the job's checkout, filled just above).
  await git(["read-tree", "HEAD"], dir, 120_000, undefined, gitEnv);

  const cwd = path.resolve(dir, input.cwd ?? ".");
  if (cwd !== dir && !cwd.startsWith(dir + path.sep)) throw new WorkspaceError(`cwd "${input.cwd}" leaves the checkout`);
  if (!existsSync(cwd)) throw new WorkspaceError(`cwd "${input.cwd}" does not exist in ${input.repo}`);
  return {
    root: dir,
    cwd,
    baseCommit,
    cache,
    localBranch: branch,
    gitEnv,
    readOnly: share ? [path.join(cache, "objects")] : [],
    collect: () => collectJobHead({ agentRepo: cache, dir, gitEnv, lockKey: cache }),
    cleanup: () =>
      withRepoLock(cache, async () => {
        rmSync(dir, { recursive: true, force: true });
        await git(["worktree", "prune"], cache);
      }),
  };
}

/** The commit a checkout starts at: the cache's HEAD, or a follow-up's `startAt` once it is known to be there. */
async function startOf(cache: string, startAt: string | undefined): Promise<string> {
  if (startAt === undefined) return "HEAD";
  // The claim is validated (hex), but a SHA git does not have must fail here with a reason, not as a bad worktree.
  if (!/^[0-9a-f]{7,64}$/.test(startAt) || !(await git(["cat-file", "-e", `${startAt}^{commit}`], cache).then(() => true, () => false))) {
    throw new WorkspaceError(`the branch head ${startAt.slice(0, 64)} this job continues is not on the remote (was the branch rewritten or deleted?)`);
  }
  return startAt;
}

/**
 * The job's repository: a `clone --shared` of the agent's (objects borrowed, read-only in the
 * sandbox), on the job's branch at the base, with no remote (the cache's path is nothing the job
 * needs). Written before the job starts, so the agent's git may still run in it.
 */
async function jobRepository(o: { from: string; dir: string; branch: string; base: string; identity: boolean; share: boolean }): Promise<void> {
  // Never hard links: a job owning a link to the cache's object file could rewrite it.
  await git(["clone", "--quiet", o.share ? "--shared" : "--no-hardlinks", "--no-checkout", o.from, o.dir], path.dirname(o.dir));
  await git(["remote", "remove", "origin"], o.dir);
  await git(["checkout", "--quiet", "-B", o.branch, o.base], o.dir);
  if (o.identity) {
    await git(["config", "--local", "user.email", "fleet-agent@localhost"], o.dir);
    await git(["config", "--local", "user.name", "fleet-agent"], o.dir);
  }
}

/**
 * Fetches the job's HEAD into the agent's view and points the agent's branch (and index) at it.
 * Run in the agent's repository: the job's repository is only read by upload-pack, with the
 * hardened config passed down (./git.ts). A job that broke its repository is judged by its files.
 */
async function collectJobHead(o: { agentRepo: string; dir: string; gitEnv: Record<string, string>; lockKey: string }): Promise<string | undefined> {
  const ref = `refs/fleet-collect/${safeRef(path.basename(o.dir))}`;
  try {
    await withRepoLock(o.lockKey, () => git(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules", o.dir, `+HEAD:${ref}`], o.agentRepo));
  } catch (e) {
    return `the job's git repository could not be read (${(e as Error).message.slice(0, 200)}): its files are judged against the base`;
  }
  const head = (await git(["rev-parse", "--verify", `${ref}^{commit}`], o.agentRepo)).trim();
  await git(["update-ref", "HEAD", head], o.dir, 120_000, undefined, o.gitEnv);
  await git(["update-ref", "-d", ref], o.agentRepo);
  await git(["read-tree", "HEAD"], o.dir, 120_000, undefined, o.gitEnv);
  return undefined;
}

async function scratchWorkspace(workdir: string, leaseId: string, share: boolean): Promise<Workspace> {
  const dir = path.join(workdir, "scratch", safeRef(leaseId));
  const agentRepo = `${dir}.git`;
  // A lease id is unique, so an existing directory is a leftover of this same lease (an agent
  // restarted mid-job): start it over rather than run on top of half a previous attempt.
  const remove = () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(agentRepo, { recursive: true, force: true });
  };
  remove();
  mkdirSync(dir, { recursive: true });
  const gitEnv = { GIT_DIR: agentRepo, GIT_WORK_TREE: dir };
  let baseCommit: string;
  try {
    await git(["-c", "init.defaultBranch=main", "init", "--quiet", "--bare", agentRepo], workdir);
    // Engines that commit need an identity, and a factory may have no user config at all.
    await git(["config", "--local", "user.email", "fleet-agent@localhost"], agentRepo);
    await git(["config", "--local", "user.name", "fleet-agent"], agentRepo);
    await git(["config", "--local", "core.bare", "false"], agentRepo);
    await git(["commit", "--quiet", "--allow-empty", "--no-verify", "-m", "scratch workspace"], dir, 120_000, undefined, gitEnv);
    baseCommit = (await git(["rev-parse", "HEAD"], dir, 120_000, undefined, gitEnv)).trim();
    await jobRepository({ from: agentRepo, dir, branch: "main", base: baseCommit, identity: true, share });
  } catch (e) {
    remove();
    throw new WorkspaceError(`cannot create a scratch directory: ${(e as Error).message}`);
  }
  return {
    root: dir,
    cwd: dir,
    baseCommit,
    gitEnv,
    readOnly: share ? [path.join(agentRepo, "objects")] : [],
    collect: () => collectJobHead({ agentRepo, dir, gitEnv, lockKey: agentRepo }),
    cleanup: async (referenced = []) => {
      if (referenced.some((p) => isInside(dir, path.resolve(p)))) return;
      remove();
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
