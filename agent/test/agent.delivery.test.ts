/**
 * Issue 15, the built agent as a child process: after the engine exits 0 it pushes the job branch
 * the claim names, with the factory's own credentials, to a real remote — git http-backend with
 * basic auth (a per-host token from the agent's config file, advertised as cred:git:<host>) and a
 * bare repository over file:// — again after verify when verify commits; a push refused
 * (non-fast-forward, bad credentials) ends the attempt with the reason, skips verify and keeps the
 * local branch. The protocol-checking coordinator validates every body.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentSandbox, buildAgent, killAllAgents, startAgent } from "./agent-process";
import { baseManifest, FakeCoordinator } from "./fake-coordinator";
import { startGitHttpServer } from "./git-http-server";
// Plain node and git (no server/ code): the agent's tests share the coordinator tests' origin.
import { git, seedBareOrigin } from "../../test/harness/bare-origin";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await killAllAgents();
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeAll(() => buildAgent(), 120_000);

async function setup(gitConfig?: string) {
  const coord = await new FakeCoordinator().start();
  const sandbox = agentSandbox();
  if (gitConfig) appendFileSync(sandbox.config, gitConfig);
  cleanups.push(() => sandbox.cleanup(), () => coord.stop());
  const root = path.join(sandbox.dir, "remote");
  execFileSync("mkdir", ["-p", root]);
  const { bare, seed } = seedBareOrigin(root);
  return { coord, sandbox, root, bare, seed };
}

const VERIFY_COMMITS = "echo checked > verified.txt && git add -A && git -c user.name=v -c user.email=v@example.com commit -q -m verify";

describe.skipIf(process.platform === "win32")("the agent delivers the job branch", () => {
  it("over http(s) with the config file's token: pushed after the engine and again after verify commits", async () => {
    const s = await setup("git:\n  127.0.0.1:\n    username: bot\n    token: s3cret-pw\n");
    const srv = await startGitHttpServer({ root: s.root, user: "bot", password: "s3cret-pw" });
    cleanups.push(() => srv.close());
    s.coord.enqueue({
      id: "job-h",
      engine: "fake",
      manifest: baseManifest({ repo: srv.url("shop.git"), verify: VERIFY_COMMITS }),
      prompt: "fake: write b.txt=b\nfake: commit add b",
      delivery: { mode: "branch", branch: "fleet/job-h-add-b", baseBranch: "main" },
    });
    const agent = startAgent({ server: s.coord.url, token: s.coord.enrollmentToken, name: "d-1", sandbox: s.sandbox, args: ["--once"] });
    expect(await agent.exited).toBe(0);
    expect(s.coord.problems).toEqual([]);
    // Presence only: the capability names the host; the token is in no request.
    expect((s.coord.registrations[0] as { capabilities: string[] }).capabilities).toContain("cred:git:127.0.0.1");
    expect(s.coord.bodies.join("\n")).not.toContain("s3cret-pw");

    const done = s.coord.completions.get(s.coord.leaseOf("job-h")!.id)!;
    expect(done).toMatchObject({ outcome: "succeeded", verify: { passed: true }, delivery: { branch: "fleet/job-h-add-b", pushed: true } });
    const head = done.delivery!.headSha;
    expect(git(s.bare, "rev-parse", "refs/heads/fleet/job-h-add-b")).toBe(head);
    expect(git(s.bare, "log", "-1", "--format=%s", head)).toBe("verify");
    expect(git(s.bare, "show", `${head}:b.txt`)).toBe("b");
    expect(done.commits).toHaveLength(2);
    // two pushes: after the engine, and after verify's commit
    expect(srv.requests.filter((r) => r.path.endsWith("/git-receive-pack") && r.status === 200)).toHaveLength(2);
    expect(s.coord.logText("job-h")).toContain("pushed fleet/job-h-add-b");
  });

  it("bad credentials over http: the attempt ends with reason auth, verify does not run, the local branch stays", async () => {
    const s = await setup("git:\n  127.0.0.1:\n    username: bot\n    token: wrong-token\n");
    // A public repository: the clone needs no login, the push does, and the token is wrong.
    const srv = await startGitHttpServer({ root: s.root, user: "bot", password: "s3cret-pw", anonymousRead: true });
    cleanups.push(() => srv.close());
    s.coord.enqueue({
      id: "job-a",
      engine: "fake",
      manifest: baseManifest({ repo: srv.url("shop.git"), verify: "touch verify-ran" }),
      prompt: "fake: write b.txt=b\nfake: commit add b",
      delivery: { mode: "branch", branch: "fleet/job-a" },
    });
    const agent = startAgent({ server: s.coord.url, token: s.coord.enrollmentToken, name: "d-2", sandbox: s.sandbox, args: ["--once"] });
    expect(await agent.exited).toBe(0);
    expect(s.coord.problems).toEqual([]);
    const lease = s.coord.leaseOf("job-a")!;
    const done = s.coord.completions.get(lease.id)!;
    expect(done.outcome).toBe("succeeded");
    expect(done.verify).toBeUndefined();
    expect(done.delivery).toMatchObject({ branch: "fleet/job-a", pushed: false, error: { reason: "auth" } });
    expect(srv.requests.some((r) => r.path.endsWith("/git-receive-pack") || (r.status === 401 && r.method === "GET"))).toBe(true);
    expect(() => git(s.bare, "rev-parse", "--verify", "-q", "refs/heads/fleet/job-a")).toThrow();
    expect(s.coord.bodies.join("\n")).not.toContain("wrong-token");
    const cache = path.join(s.sandbox.workdir, "repos", readdirSync(path.join(s.sandbox.workdir, "repos")).find((d) => d.endsWith(".git"))!);
    expect(git(cache, "rev-parse", `fleet/job-a-${lease.id}`)).toBe(done.delivery!.headSha);
  });

  it("over file://, a branch someone else made first: non_fast_forward, verify skipped, local branch kept", async () => {
    const s = await setup();
    git(s.seed, "checkout", "-q", "-b", "fleet/job-f");
    writeFileSync(path.join(s.seed, "theirs.txt"), "theirs\n");
    git(s.seed, "add", "-A");
    git(s.seed, "commit", "-q", "-m", "theirs");
    git(s.seed, "push", "-q", "origin", "HEAD:fleet/job-f");
    const theirs = git(s.seed, "rev-parse", "HEAD");
    s.coord.enqueue({
      id: "job-f",
      engine: "fake",
      manifest: baseManifest({ repo: `file://${s.bare}`, verify: "touch verify-ran" }),
      prompt: "fake: write b.txt=b\nfake: commit add b",
      delivery: { mode: "branch", branch: "fleet/job-f" },
    });
    const agent = startAgent({ server: s.coord.url, token: s.coord.enrollmentToken, name: "d-3", sandbox: s.sandbox, args: ["--once"] });
    expect(await agent.exited).toBe(0);
    expect(s.coord.problems).toEqual([]);
    const lease = s.coord.leaseOf("job-f")!;
    const done = s.coord.completions.get(lease.id)!;
    expect(done.outcome).toBe("succeeded");
    expect(done.verify).toBeUndefined();
    expect(done.delivery).toMatchObject({ branch: "fleet/job-f", pushed: false, error: { reason: "non_fast_forward" } });
    expect(git(s.bare, "rev-parse", "refs/heads/fleet/job-f")).toBe(theirs);
    // the local branch in the repository cache still holds the job's commit
    const cache = path.join(s.sandbox.workdir, "repos", readdirSync(path.join(s.sandbox.workdir, "repos")).find((d) => d.endsWith(".git"))!);
    expect(git(cache, "rev-parse", `fleet/job-f-${lease.id}`)).toBe(done.delivery!.headSha);
    expect(s.coord.logText("job-f")).toMatch(/push of fleet\/job-f failed \(non_fast_forward\)/);
  });

  it("a follow-up (delivery.startAt) continues the pushed branch: the engine sees its files, the push fast-forwards it", async () => {
    const s = await setup();
    git(s.seed, "checkout", "-q", "-b", "fleet/job-p");
    writeFileSync(path.join(s.seed, "b.txt"), "b\n");
    git(s.seed, "add", "-A");
    git(s.seed, "commit", "-q", "-m", "the job's own commit");
    git(s.seed, "push", "-q", "origin", "HEAD:fleet/job-p");
    const pushed = git(s.seed, "rev-parse", "HEAD");
    s.coord.enqueue({
      id: "job-p2",
      engine: "fake",
      // verify fails unless the branch's file is there too: the checkout must start at the pushed head.
      manifest: baseManifest({ repo: `file://${s.bare}`, verify: "test -f b.txt && test -f c.txt" }),
      prompt: "fake: write c.txt=c\nfake: commit fix the checks",
      delivery: { mode: "branch", branch: "fleet/job-p", expectedHead: pushed, startAt: pushed },
    });
    const agent = startAgent({ server: s.coord.url, token: s.coord.enrollmentToken, name: "d-5", sandbox: s.sandbox, args: ["--once"] });
    expect(await agent.exited).toBe(0);
    expect(s.coord.problems).toEqual([]);
    const done = s.coord.completions.get(s.coord.leaseOf("job-p2")!.id)!;
    expect(done).toMatchObject({ outcome: "succeeded", verify: { passed: true }, delivery: { branch: "fleet/job-p", pushed: true } });
    expect(git(s.bare, "rev-parse", "refs/heads/fleet/job-p")).toBe(done.delivery!.headSha);
    expect(git(s.bare, "rev-parse", "refs/heads/fleet/job-p~1")).toBe(pushed);
  });

  it("a merge task lands the pushed branch on the base branch with the agent's own git (no engine)", async () => {
    const s = await setup();
    git(s.seed, "checkout", "-q", "-b", "fleet/job-m");
    writeFileSync(path.join(s.seed, "m.txt"), "m\n");
    git(s.seed, "add", "-A");
    git(s.seed, "commit", "-q", "-m", "job m");
    git(s.seed, "push", "-q", "origin", "HEAD:fleet/job-m");
    const head = git(s.seed, "rev-parse", "HEAD");
    s.coord.enqueue({
      id: "task-m",
      engine: "fake",
      manifest: baseManifest({ repo: `file://${s.bare}` }),
      prompt: "fake: exit 3",
      delivery: { mode: "branch", branch: "fleet/job-m", baseBranch: "main", task: "merge", headSha: head },
    });
    const agent = startAgent({ server: s.coord.url, token: s.coord.enrollmentToken, name: "d-4", sandbox: s.sandbox, args: ["--once"] });
    expect(await agent.exited).toBe(0);
    expect(s.coord.problems).toEqual([]);
    const done = s.coord.completions.get(s.coord.leaseOf("task-m")!.id)!;
    expect(done).toMatchObject({ outcome: "succeeded", delivery: { pushed: true, baseBranch: "main", mergeSha: head } });
    expect(git(s.bare, "rev-parse", "main")).toBe(head);
  });
});
