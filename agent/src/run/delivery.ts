/**
 * Delivery, the factory's half (issue 15): push a job's branch to the repository's remote, and
 * merge a pushed branch into its base branch for a plain-git *Ship*. Both run in the repository
 * cache (a bare clone only the agent writes), with the agent's hardened git and the factory's own
 * credentials: the owner's SSH agent and global credential helper (gitNetwork reads the owner's
 * global config), or a per-host token from the agent's config file, handed to git by a credential
 * helper that reads it from git's environment (never argv, never the job's environment). The
 * coordinator only ever learns the branch, the SHAs and why a push failed.
 *
 * Pushes are `--force-with-lease` against the head the coordinator last recorded for the branch
 * (none: the branch must not exist yet), so a retry replaces the fleet's own earlier push but never
 * someone else's commits: those come back as `non_fast_forward`.
 */
import { git, gitNetwork } from "./git";

/** Why a push or merge failed, in words the job page shows and a retry decision can use. */
export type DeliveryFailure = "non_fast_forward" | "auth" | "unreachable" | "conflict" | "moved" | "git";

export class DeliveryError extends Error {
  override name = "DeliveryError";
  constructor(
    readonly reason: DeliveryFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A token for one host, from the agent's config file (`git: { host: { username?, token } }`). */
export interface GitHostToken {
  username?: string;
  token: string;
}

export type GitTokens = Readonly<Record<string, GitHostToken>>;

const PUSH_TIMEOUT_MS = 10 * 60_000;

/** The environment and config that give git a config-file token for `url`'s host, if there is one. */
export function credentialFor(url: string, tokens: GitTokens | undefined): { env: Record<string, string>; config: string[] } {
  let host: string | undefined;
  try {
    const u = new URL(url);
    if (u.protocol === "https:" || u.protocol === "http:") host = u.hostname.toLowerCase();
  } catch {
    // not a URL: ssh scp-like or a path, where a token does not apply
  }
  const t = host !== undefined ? tokens?.[host] : undefined;
  if (!t) return { env: {}, config: [] };
  // The helper reads the values from git's own environment: they never appear in an argv (ps).
  // An empty helper first drops any helper the owner configured for this call.
  return {
    env: { FLEET_GIT_USERNAME: t.username ?? "x-access-token", FLEET_GIT_PASSWORD: t.token },
    config: ["-c", "credential.helper=", "-c", `credential.helper=!f() { test "$1" = get || exit 0; echo "username=$FLEET_GIT_USERNAME"; echo "password=$FLEET_GIT_PASSWORD"; }; f`],
  };
}

/** Reads git's stderr into a failure reason. Auth first: a refused login also "cannot read". */
export function classifyPushError(stderr: string): DeliveryFailure {
  const s = stderr.toLowerCase();
  if (/\[rejected\]|\[remote rejected\].*(stale|fetch first|non-fast-forward)|non-fast-forward|stale info|fetch first|\(already exists\)/.test(s)) return "non_fast_forward";
  if (/authentication failed|could not read username|could not read password|permission denied|access denied|http basic|returned error: 40[13]|terminal prompts disabled|invalid username or password/.test(s)) return "auth";
  if (/could not resolve host|connection refused|failed to connect|unable to access|timed out|could not read from remote|does not appear to be a git repository|no such file or directory|not found|network is unreachable/.test(s)) return "unreachable";
  return "git";
}

const EXPLAIN: Record<DeliveryFailure, string> = {
  non_fast_forward: "the remote branch has commits this push does not have (non-fast-forward)",
  auth: "the remote refused this factory's git credentials",
  unreachable: "the remote could not be reached",
  conflict: "the branch does not merge cleanly into the base branch",
  moved: "the branch on the remote is not the head that was reviewed",
  git: "git failed",
};

async function network(cache: string, url: string, tokens: GitTokens | undefined, args: string[]): Promise<string> {
  const cred = credentialFor(url, tokens);
  try {
    return await gitNetwork([...cred.config, ...args], cache, PUSH_TIMEOUT_MS, cred.env);
  } catch (e) {
    const message = (e as Error).message;
    const reason = classifyPushError(message);
    throw new DeliveryError(reason, `${EXPLAIN[reason]}: ${lastLines(message)}`);
  }
}

function lastLines(s: string, n = 6): string {
  return s.trim().split("\n").slice(-n).join("\n").slice(0, 2_000);
}

/** The URL of the cache's `origin` (the job's repo). */
export async function originUrl(cache: string): Promise<string> {
  return (await git(["config", "--get", "remote.origin.url"], cache)).trim();
}

export interface PushInput {
  /** the repository cache (bare) that holds the job's local branch */
  cache: string;
  /** the commit to push (the local branch's head) */
  head: string;
  /** the branch to push to on the remote */
  branch: string;
  /** the head the coordinator last recorded for `branch`; undefined: it must not exist yet */
  expectedHead?: string;
  tokens?: GitTokens;
}

/** Pushes `head` to `branch` on origin. Throws DeliveryError with the reason on any failure. */
export async function pushBranch(p: PushInput): Promise<{ branch: string; headSha: string }> {
  const url = await originUrl(p.cache);
  const ref = `refs/heads/${p.branch}`;
  await network(p.cache, url, p.tokens, ["push", "--quiet", "--no-verify", `--force-with-lease=${ref}:${p.expectedHead ?? ""}`, "origin", `${p.head}:${ref}`]);
  return { branch: p.branch, headSha: p.head };
}

export interface MergeInput {
  cache: string;
  branch: string;
  /** the head that was reviewed: the merge refuses a branch that moved since */
  headSha: string;
  /** undefined: the remote's default branch */
  baseBranch?: string;
  /** names the merge commit */
  title: string;
  tokens?: GitTokens;
}

/**
 * Lands `branch` on the base branch of origin: a fast-forward when the base has not moved since
 * the branch left it, else a merge commit (no checkout: merge-tree writes the tree). The push is
 * leased on the base head just fetched, so a base that moves meanwhile fails as non_fast_forward
 * and the retry merges again. Returns the SHA the base branch now points at.
 */
export async function mergeBranch(m: MergeInput): Promise<{ baseBranch: string; mergeSha: string; fastForward: boolean }> {
  const url = await originUrl(m.cache);
  const base = m.baseBranch ?? (await remoteDefaultBranch(m.cache, url, m.tokens));
  const ns = `refs/fleet-ship/${Date.now().toString(36)}`;
  await network(m.cache, url, m.tokens, ["fetch", "--quiet", "--no-tags", "origin", `+refs/heads/${base}:${ns}/base`, `+refs/heads/${m.branch}:${ns}/head`]);
  try {
    const baseSha = (await git(["rev-parse", `${ns}/base`], m.cache)).trim();
    const headSha = (await git(["rev-parse", `${ns}/head`], m.cache)).trim();
    if (headSha !== m.headSha) throw new DeliveryError("moved", `${EXPLAIN.moved}: ${m.branch} is at ${headSha.slice(0, 12)}, the job delivered ${m.headSha.slice(0, 12)}`);
    const ff = await isAncestor(m.cache, baseSha, headSha);
    let mergeSha = headSha;
    if (!ff) {
      let tree: string;
      try {
        tree = (await git(["merge-tree", "--write-tree", "--no-messages", baseSha, headSha], m.cache)).trim().split("\n")[0]!;
      } catch (e) {
        throw new DeliveryError("conflict", `${EXPLAIN.conflict}: ${lastLines((e as Error).message, 10)}`);
      }
      mergeSha = (
        await git(["commit-tree", tree, "-p", baseSha, "-p", headSha, "-m", `Merge ${m.branch}: ${m.title}`], m.cache, 60_000, 64 * 1024 * 1024, IDENTITY)
      ).trim();
    }
    await network(m.cache, url, m.tokens, ["push", "--quiet", "--no-verify", `--force-with-lease=refs/heads/${base}:${baseSha}`, "origin", `${mergeSha}:refs/heads/${base}`]);
    return { baseBranch: base, mergeSha, fastForward: ff };
  } finally {
    await git(["update-ref", "-d", `${ns}/base`], m.cache).catch(() => undefined);
    await git(["update-ref", "-d", `${ns}/head`], m.cache).catch(() => undefined);
  }
}

const IDENTITY = {
  GIT_AUTHOR_NAME: "fleet-agent",
  GIT_AUTHOR_EMAIL: "fleet-agent@localhost",
  GIT_COMMITTER_NAME: "fleet-agent",
  GIT_COMMITTER_EMAIL: "fleet-agent@localhost",
};

async function isAncestor(cache: string, a: string, b: string): Promise<boolean> {
  try {
    await git(["merge-base", "--is-ancestor", a, b], cache);
    return true;
  } catch {
    return false;
  }
}

/** The remote's HEAD branch (`ls-remote --symref origin HEAD`). */
async function remoteDefaultBranch(cache: string, url: string, tokens: GitTokens | undefined): Promise<string> {
  const out = await network(cache, url, tokens, ["ls-remote", "--symref", "origin", "HEAD"]);
  const m = /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(out);
  if (!m) throw new DeliveryError("git", "the remote names no default branch (HEAD): set base-branch in the job");
  return m[1]!;
}
