/**
 * Delivery against real git remotes: a bare repository over file:// and one served by git's own
 * http-backend (CGI behind node:http) with basic auth, reached through a config-file token or the
 * owner's credential helper. Pushes, non-fast-forward, bad credentials, an unreachable remote, and
 * the plain-git merge (fast-forward, merge commit, conflict, a branch that moved since review).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startGitHttpServer, type GitHttpServer } from "../../test/git-http-server";
import { DeliveryError, mergeBranch, pushBranch } from "./delivery";
import { prepareWorkspace, type Workspace } from "./workspace";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "fleet-delivery-"));
  dirs.push(d);
  return d;
}
const ID = ["-c", "user.name=t", "-c", "user.email=t@example.com"];
const g = (cwd: string, ...args: string[]) => execFileSync("git", [...ID, ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: "1" } as unknown as NodeJS.ProcessEnv }).trim();

/** A bare origin with one commit on main (a.txt), made through a scratch clone. */
function origin(root: string, name = "shop.git"): string {
  const bare = path.join(root, name);
  g(root, "init", "-q", "--bare", "-b", "main", bare);
  const seed = path.join(root, `seed-${name}`);
  g(root, "clone", "-q", bare, seed);
  writeFileSync(path.join(seed, "a.txt"), "a\n");
  g(seed, "add", "-A");
  g(seed, "commit", "-q", "-m", "init");
  g(seed, "push", "-q", "origin", "HEAD:main");
  return bare;
}

/** Someone else's commit on `branch` of the origin (through a clone of their own). */
function theirCommit(root: string, bare: string, branch: string, file: string): string {
  const c = path.join(root, `their-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  g(root, "clone", "-q", bare, c);
  try {
    g(c, "checkout", "-q", branch);
  } catch {
    g(c, "checkout", "-q", "-b", branch);
  }
  writeFileSync(path.join(c, file), `${file}\n`);
  g(c, "add", "-A");
  g(c, "commit", "-q", "-m", `their ${file}`);
  g(c, "push", "-q", "origin", `HEAD:${branch}`);
  return g(c, "rev-parse", "HEAD");
}

/** A job's workspace (the agent's real one) with one commit on its local branch. */
async function jobCommit(workdir: string, repo: string, file: string, jobId = "j-1"): Promise<{ ws: Workspace; head: string }> {
  const ws = await prepareWorkspace({ workdir, repo, jobId, leaseId: `L-${file}` });
  writeFileSync(path.join(ws.root!, file), `${file}\n`);
  g(ws.root!, "add", "-A");
  g(ws.root!, "commit", "-q", "-m", `job ${file}`);
  await ws.collect();
  return { ws, head: g(ws.root!, "rev-parse", "HEAD") };
}

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e, "expected a DeliveryError").toBeInstanceOf(DeliveryError);
  return e as DeliveryError;
}

describe.skipIf(process.platform === "win32")("push over file://", () => {
  it("pushes the job branch; a later push from the recorded head replaces it; the local branch stays", async () => {
    const root = tmp();
    const bare = origin(root);
    const url = `file://${bare}`;
    const { ws, head } = await jobCommit(path.join(root, "wd"), url, "b.txt");
    const r = await pushBranch({ cache: ws.cache!, head, branch: "fleet/j-1-add-b" });
    expect(r).toEqual({ branch: "fleet/j-1-add-b", headSha: head });
    expect(g(bare, "rev-parse", "refs/heads/fleet/j-1-add-b")).toBe(head);
    expect(g(bare, "rev-parse", "main")).not.toBe(head);

    // A retry on another attempt starts again from main: leased on the recorded head, it replaces the push.
    const again = await jobCommit(path.join(root, "wd"), url, "c.txt");
    await pushBranch({ cache: again.ws.cache!, head: again.head, branch: "fleet/j-1-add-b", expectedHead: head });
    expect(g(bare, "rev-parse", "refs/heads/fleet/j-1-add-b")).toBe(again.head);
    await ws.cleanup();
    expect(g(ws.cache!, "rev-parse", ws.localBranch!)).toBe(head);
  });

  it("non-fast-forward: someone else's commit on the branch is never overwritten; the local branch is kept", async () => {
    const root = tmp();
    const bare = origin(root);
    const url = `file://${bare}`;
    const { ws, head } = await jobCommit(path.join(root, "wd"), url, "b.txt");
    await pushBranch({ cache: ws.cache!, head, branch: "fleet/j-1-x" });
    const theirs = theirCommit(root, bare, "fleet/j-1-x", "theirs.txt");
    const next = await jobCommit(path.join(root, "wd"), url, "c.txt");
    const e = await failure(pushBranch({ cache: next.ws.cache!, head: next.head, branch: "fleet/j-1-x", expectedHead: head }));
    expect(e.reason).toBe("non_fast_forward");
    expect(e.message).toMatch(/non-fast-forward/);
    expect(g(bare, "rev-parse", "refs/heads/fleet/j-1-x")).toBe(theirs);
    expect(g(next.ws.cache!, "rev-parse", next.ws.localBranch!)).toBe(next.head);

    // A branch that exists when the fleet expects none is refused the same way.
    theirCommit(root, bare, "fleet/j-2-y", "other.txt");
    const e2 = await failure(pushBranch({ cache: next.ws.cache!, head: next.head, branch: "fleet/j-2-y" }));
    expect(e2.reason).toBe("non_fast_forward");
  });

  it("a follow-up (startAt) continues the pushed branch: its checkout has the branch's files and its push fast-forwards it", async () => {
    const root = tmp();
    const bare = origin(root);
    const url = `file://${bare}`;
    const first = await jobCommit(path.join(root, "wd"), url, "b.txt");
    await pushBranch({ cache: first.ws.cache!, head: first.head, branch: "fleet/j-1-b" });
    await first.ws.cleanup();

    // Another factory (a fresh workdir) picks the follow-up up: the cache's fetch brings the branch.
    const ws = await prepareWorkspace({ workdir: path.join(root, "wd2"), repo: url, jobId: "j-f", leaseId: "L-f", startAt: first.head });
    expect(ws.baseCommit).toBe(first.head);
    expect(g(ws.root!, "rev-parse", "HEAD")).toBe(first.head);
    expect(existsSync(path.join(ws.root!, "b.txt"))).toBe(true);
    writeFileSync(path.join(ws.root!, "fix.txt"), "fix\n");
    g(ws.root!, "add", "-A");
    g(ws.root!, "commit", "-q", "-m", "fix the checks");
    await ws.collect();
    const head = g(ws.root!, "rev-parse", "HEAD");
    await pushBranch({ cache: ws.cache!, head, branch: "fleet/j-1-b", expectedHead: first.head });
    expect(g(bare, "rev-parse", "refs/heads/fleet/j-1-b")).toBe(head);
    // A fast-forward: the job's first commit is still under the follow-up's.
    expect(g(bare, "rev-parse", "refs/heads/fleet/j-1-b~1")).toBe(first.head);

    // A head the remote does not have (the branch was rewritten): a clear refusal, no checkout.
    await expect(prepareWorkspace({ workdir: path.join(root, "wd2"), repo: url, jobId: "j-g", leaseId: "L-g", startAt: "0".repeat(40) })).rejects.toThrow(/is not on the remote/);
  });

  it("an unreachable remote ends with reason unreachable", async () => {
    const root = tmp();
    const bare = origin(root);
    const { ws, head } = await jobCommit(path.join(root, "wd"), `file://${bare}`, "b.txt");
    rmSync(bare, { recursive: true, force: true });
    const e = await failure(pushBranch({ cache: ws.cache!, head, branch: "fleet/j-1-x" }));
    expect(e.reason).toBe("unreachable");
    expect(e.message).toMatch(/could not be reached/);
  });
});

describe.skipIf(process.platform === "win32")("push over http(s) to git http-backend with basic auth", () => {
  let srv: GitHttpServer;
  let root: string;
  let bare: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), "fleet-http-git-"));
    bare = origin(root);
    srv = await startGitHttpServer({ root, user: "bot", password: "s3cret-pw" });
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("with the config file's token for the host: clone, push; the token is in no argv", async () => {
    const tokens = { [srv.host]: { username: "bot", token: "s3cret-pw" } };
    const url = srv.url("shop.git");
    const wd = tmp();
    const ws = await prepareWorkspace({ workdir: wd, repo: url, jobId: "j-h", leaseId: "L-h", tokens });
    writeFileSync(path.join(ws.root!, "h.txt"), "h\n");
    g(ws.root!, "add", "-A");
    g(ws.root!, "commit", "-q", "-m", "h");
    await ws.collect();
    const head = g(ws.root!, "rev-parse", "HEAD");
    await pushBranch({ cache: ws.cache!, head, branch: "fleet/j-h-http", tokens });
    expect(g(bare, "rev-parse", "refs/heads/fleet/j-h-http")).toBe(head);
    expect(srv.requests.some((r) => r.path.endsWith("/git-receive-pack") && r.user === "bot" && r.status === 200)).toBe(true);
    // Nothing of the credential is kept in the cache's config.
    expect(execFileSync("git", ["config", "--list"], { cwd: ws.cache!, encoding: "utf8", env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } as unknown as NodeJS.ProcessEnv })).not.toContain("s3cret");
  });

  it("through the owner's own credential helper (global git config), as with no token configured", async () => {
    const home = tmp();
    const store = path.join(home, "git-credentials");
    const u = new URL(srv.url(""));
    writeFileSync(store, `http://bot:s3cret-pw@${u.host}\n`, { mode: 0o600 });
    writeFileSync(path.join(home, ".gitconfig"), `[credential]\n\thelper = store --file=${store}\n`);
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const url = srv.url("shop.git");
      const { ws, head } = await jobCommit(path.join(home, "wd"), url, "helper.txt", "j-hh");
      await pushBranch({ cache: ws.cache!, head, branch: "fleet/j-hh-helper" });
      expect(g(bare, "rev-parse", "refs/heads/fleet/j-hh-helper")).toBe(head);
    } finally {
      process.env.HOME = saved;
    }
  });

  it("bad credentials: reason auth, nothing pushed; no credentials at all: auth too", async () => {
    const good = { [srv.host]: { username: "bot", token: "s3cret-pw" } };
    const url = srv.url("shop.git");
    const wd = tmp();
    const ws = await prepareWorkspace({ workdir: wd, repo: url, jobId: "j-b", leaseId: "L-b", tokens: good });
    writeFileSync(path.join(ws.root!, "bad.txt"), "x\n");
    g(ws.root!, "add", "-A");
    g(ws.root!, "commit", "-q", "-m", "bad");
    await ws.collect();
    const head = g(ws.root!, "rev-parse", "HEAD");
    const bad = await failure(pushBranch({ cache: ws.cache!, head, branch: "fleet/j-b-bad", tokens: { [srv.host]: { username: "bot", token: "wrong" } } }));
    expect(bad.reason).toBe("auth");
    expect(bad.message).toMatch(/refused this factory's git credentials/);
    expect(bad.message).not.toContain("wrong");
    const saved = process.env.HOME;
    process.env.HOME = wd;
    try {
      const none = await failure(pushBranch({ cache: ws.cache!, head, branch: "fleet/j-b-bad" }));
      expect(none.reason).toBe("auth");
    } finally {
      process.env.HOME = saved;
    }
    expect(() => g(bare, "rev-parse", "--verify", "-q", "refs/heads/fleet/j-b-bad")).toThrow();
  });
});

describe.skipIf(process.platform === "win32")("plain-git merge (Ship)", () => {
  it("fast-forwards the base branch when it has not moved", async () => {
    const root = tmp();
    const bare = origin(root);
    const url = `file://${bare}`;
    const { ws, head } = await jobCommit(path.join(root, "wd"), url, "b.txt");
    await pushBranch({ cache: ws.cache!, head, branch: "fleet/j-1-b" });
    const r = await mergeBranch({ cache: ws.cache!, branch: "fleet/j-1-b", headSha: head, title: "Add b" });
    expect(r).toEqual({ baseBranch: "main", mergeSha: head, fastForward: true });
    expect(g(bare, "rev-parse", "main")).toBe(head);
  });

  it("makes a merge commit when the base moved, refuses a conflict and a branch that moved since review", async () => {
    const root = tmp();
    const bare = origin(root);
    const url = `file://${bare}`;
    const { ws, head } = await jobCommit(path.join(root, "wd"), url, "b.txt");
    await pushBranch({ cache: ws.cache!, head, branch: "fleet/j-1-b" });
    const theirs = theirCommit(root, bare, "main", "z.txt");
    const r = await mergeBranch({ cache: ws.cache!, branch: "fleet/j-1-b", headSha: head, baseBranch: "main", title: "Add b" });
    expect(r.fastForward).toBe(false);
    expect(g(bare, "rev-parse", "main")).toBe(r.mergeSha);
    expect(g(bare, "rev-parse", `${r.mergeSha}^1`)).toBe(theirs);
    expect(g(bare, "rev-parse", `${r.mergeSha}^2`)).toBe(head);
    expect(g(bare, "log", "-1", "--format=%s", r.mergeSha)).toBe("Merge fleet/j-1-b: Add b");

    // Conflict: both change a.txt.
    const c = await prepareWorkspace({ workdir: path.join(root, "wd"), repo: url, jobId: "j-2", leaseId: "L-conf" });
    writeFileSync(path.join(c.root!, "a.txt"), "ours\n");
    g(c.root!, "commit", "-q", "-am", "ours");
    await c.collect();
    const cHead = g(c.root!, "rev-parse", "HEAD");
    await pushBranch({ cache: c.cache!, head: cHead, branch: "fleet/j-2-conf" });
    theirCommit(root, bare, "main", "a.txt");
    const before = g(bare, "rev-parse", "main");
    const conflict = await failure(mergeBranch({ cache: c.cache!, branch: "fleet/j-2-conf", headSha: cHead, title: "conf" }));
    expect(conflict.reason).toBe("conflict");
    expect(g(bare, "rev-parse", "main")).toBe(before);

    // Moved: the branch on the remote is not the reviewed head.
    const moved = await failure(mergeBranch({ cache: c.cache!, branch: "fleet/j-2-conf", headSha: head, title: "conf" }));
    expect(moved.reason).toBe("moved");
  });
});
