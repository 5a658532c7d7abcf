/**
 * The built agent, as a child process, against an in-process coordinator that speaks CONTRACT §2
 * and validates every body with lib/protocol. Covers the loop and the job life cycle without the
 * real app (see *.integration.test.ts for the same against the real coordinator).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AGENT_BATCH_BYTES } from "@/lib/limits";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentSandbox, alive, buildAgent, killAllAgents, startAgent } from "./agent-process";
import { baseManifest, FakeCoordinator } from "./fake-coordinator";

const SECRET = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await killAllAgents();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const coord = await new FakeCoordinator().start();
  const sandbox = agentSandbox();
  cleanups.push(() => sandbox.cleanup(), () => coord.stop());
  return { coord, sandbox };
}

function gitRepo(dir: string) {
  mkdirSync(path.join(dir, "src"), { recursive: true });
  writeFileSync(path.join(dir, "src", "a.ts"), "export const a = 1;\n");
  writeFileSync(path.join(dir, "README.md"), "hi\n");
  const g = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...a], { cwd: dir });
  g("init", "-q", "-b", "main");
  g("add", "-A");
  g("commit", "-q", "-m", "init");
  return dir;
}

beforeAll(() => buildAgent(), 120_000);

// win32: the fake engine's process-tree and signal checks (SIGKILL, SIGSTOP) are POSIX-only.
describe.skipIf(process.platform === "win32")("fleet-agent against a protocol-checking coordinator", () => {
  it("registers once (token kept 0600), runs a job in a worktree, streams redacted logs, verifies, reports scope/cost/commits", async () => {
    const { coord, sandbox } = await setup();
    const repo = gitRepo(path.join(sandbox.dir, "origin"));
    coord.enqueue({
      id: "job-1",
      engine: "fake",
      manifest: baseManifest({ repo, verify: "test -f src/b.ts && echo verified", "allowed-scope": ["src/**"], artifacts: ["diff"] }),
      prompt: [
        "fake: print starting",
        `fake: print the token is ${SECRET}`,
        "fake: write src/b.ts=export const b = 2;",
        "fake: commit add b",
        "fake: write notes.txt=outside the scope",
        "fake: cost-json",
        "fake: print done",
      ].join("\n"),
    });
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "it-1", sandbox, args: ["--once"] });
    expect(await agent.exited).toBe(0);
    expect(coord.problems).toEqual([]);

    const cfg = path.join(sandbox.configDir, "it-1.json");
    expect(statSync(cfg).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(cfg, "utf8"))).toMatchObject({ factoryId: "fac-1", token: coord.factoryToken, server: coord.url });
    expect(coord.registrations).toHaveLength(1);
    expect(coord.registrations[0]).toMatchObject({ name: "it-1", stations: expect.arrayContaining([{ engine: "fake", slots: 1 }]) });

    const lease = coord.leaseOf("job-1")!;
    const events = coord.events.get(lease.id)!;
    expect(events[0]).toMatchObject({ seq: 1, type: "stage", stage: "building" });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const log = coord.logText("job-1");
    expect(log).toContain("starting");
    expect(log).toContain("done");
    expect(log).toContain("[REDACTED");
    // the planted secret left the machine in no request at all
    expect(coord.bodies.join("\n")).not.toContain(SECRET);

    const done = coord.completions.get(lease.id)!;
    expect(done).toMatchObject({ outcome: "succeeded", exitCode: 0, verify: { passed: true, exitCode: 0 } });
    expect(done.verify!.output).toContain("verified");
    expect(done.scope).toEqual({ changed: ["notes.txt", "src/b.ts"], outOfScope: ["notes.txt"] });
    expect(done.cost).toEqual({ usd: 0.25, tokensIn: 100, tokensOut: 40 });
    // the engine's own commit, then the agent's commit of what it left uncommitted (notes.txt)
    expect(done.commits).toHaveLength(2);
    expect(done.artifacts?.[0]).toMatchObject({ name: "diff", kind: "diff" });
    expect(done.artifacts?.[0]?.content).toContain("+export const b = 2;");
    expect(events.some((e) => e.type === "scope")).toBe(true);

    // second start reuses the stored token: no new registration, even without --token
    const again = startAgent({ server: coord.url, name: "it-1", sandbox, args: ["--once"] });
    expect(await again.exited).toBe(0);
    expect(coord.registrations).toHaveLength(1);
    // the worktree is gone, the repo cache stays
    expect(existsSync(path.join(sandbox.workdir, "jobs", lease.id))).toBe(false);
  });

  it("a 20 MB burst is delivered in batches that fit the body limit, and the line after it still arrives", async () => {
    const { coord, sandbox } = await setup();
    coord.enqueue({
      id: "job-burst",
      engine: "shell",
      manifest: baseManifest({ cwd: sandbox.dir, engine: "shell" }),
      prompt: `head -c 20000000 /dev/zero | tr '\\0' 'x' | fold -w 1000\necho AFTER-BURST`,
    });
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "it-burst", sandbox, args: ["--once"] });
    expect(await agent.exited).toBe(0);
    const done = coord.completions.get(coord.leaseOf("job-burst")!.id)!;
    expect(done.outcome).toBe("succeeded");
    const log = coord.logText("job-burst");
    expect(log.endsWith("AFTER-BURST\n")).toBe(true);
    expect(log.length).toBeGreaterThanOrEqual(20_000_000);
    const events = coord.events.get(coord.leaseOf("job-burst")!.id)!;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(Math.max(...coord.bodies.map((b) => Buffer.byteLength(b)))).toBeLessThanOrEqual(AGENT_BATCH_BYTES);
  }, 120_000);

  it("timeout ends the whole process tree (grandchild included) and reports `timeout`", async () => {
    const { coord, sandbox } = await setup();
    const pidfile = path.join(sandbox.dir, "gc.pid");
    coord.enqueue({
      id: "job-slow",
      engine: "fake",
      manifest: baseManifest({ cwd: sandbox.dir, timeout: 1_000 }),
      prompt: `fake: grandchild ${pidfile}\nfake: ignore-term\nfake: print sleeping\nfake: sleep 60000`,
    });
    // pids in the pidfile are the host's only without a PID namespace: `none` here; the bwrap
    // variant (agent.integration.test.ts) finds the grandchild by its command line.
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "it-2", sandbox, args: ["--once", "--isolation", "none"] });
    expect(await agent.exited).toBe(0);
    const done = coord.completions.get(coord.leaseOf("job-slow")!.id)!;
    expect(done.outcome).toBe("timeout");
    const gc = Number(readFileSync(pidfile, "utf8"));
    await coord.waitFor(() => !alive(gc), 5_000);
    expect(coord.logText("job-slow")).toContain("timeout reached");
  });

  it("a `cancel` in the heartbeat kills the job at once and completes it `cancelled`", async () => {
    const { coord, sandbox } = await setup();
    coord.enqueue({ id: "job-c", engine: "fake", manifest: baseManifest({ cwd: sandbox.dir }), prompt: "fake: print up\nfake: sleep 60000" });
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "it-3", sandbox, args: ["--once"] });
    await coord.waitFor(() => coord.logText("job-c").includes("up"));
    coord.cancel.add(coord.leaseOf("job-c")!.id);
    expect(await agent.exited).toBe(0);
    expect(coord.completions.get(coord.leaseOf("job-c")!.id)?.outcome).toBe("cancelled");
  });

  it("a 409 lease_lost stops the job and nothing more is sent for that lease", async () => {
    const { coord, sandbox } = await setup();
    const marker = path.join(sandbox.dir, "after.txt");
    coord.enqueue({
      id: "job-l",
      engine: "fake",
      ttlMs: 900, // renewals every 300 ms: the loss is noticed long before the engine's next step
      manifest: baseManifest({ cwd: sandbox.dir }),
      prompt: `fake: print one\nfake: sleep 1500\nfake: print two\nfake: write ${marker}=late`,
    });
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "it-4", sandbox, args: ["--once"] });
    await coord.waitFor(() => coord.logText("job-l").includes("one"));
    coord.loseLease(coord.leaseOf("job-l")!.id);
    expect(await agent.exited).toBe(0);
    expect(coord.completions.size).toBe(0);
    expect(existsSync(marker)).toBe(false); // the engine was killed before it got there
    expect(agent.stderr()).toMatch(/lease_lost/);
  });

  it("first SIGTERM drains (job finishes, exit 0); a second stops now (`cancelled`)", async () => {
    const { coord, sandbox } = await setup();
    coord.enqueue({ id: "d1", engine: "fake", manifest: baseManifest({ cwd: sandbox.dir }), prompt: "fake: print a\nfake: sleep 800\nfake: print b" });
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "it-5", sandbox });
    await coord.waitFor(() => coord.logText("d1").includes("a"));
    agent.proc.kill("SIGTERM");
    coord.enqueue({ id: "d2", engine: "fake", manifest: baseManifest({ cwd: sandbox.dir }), prompt: "fake: print never" });
    expect(await agent.exited).toBe(0);
    expect(coord.completions.get(coord.leaseOf("d1")!.id)?.outcome).toBe("succeeded");
    expect(coord.leaseOf("d2")).toBeUndefined();

    coord.enqueue({ id: "d3", engine: "fake", manifest: baseManifest({ cwd: sandbox.dir }), prompt: "fake: print x\nfake: sleep 60000" });
    const second = startAgent({ server: coord.url, name: "it-5", sandbox });
    await coord.waitFor(() => coord.logText("d3").includes("x"));
    second.proc.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    second.proc.kill("SIGTERM");
    expect(await second.exited).toBe(143);
    expect(coord.completions.get(coord.leaseOf("d3")!.id)?.outcome).toBe("cancelled");
  });

  it("a revoked factory token stops the agent with a clear message", async () => {
    const { coord, sandbox } = await setup();
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "it-6", sandbox });
    await coord.waitFor(() => coord.heartbeats.length > 0);
    coord.revoked = true;
    expect(await agent.exited).toBe(1);
    expect(agent.stderr()).toMatch(/refused this factory's token \(401\).*Delete .*it-6\.json/s);
  });

  it("a bad enrollment token is fatal and names --token", async () => {
    const { coord, sandbox } = await setup();
    const agent = startAgent({ server: coord.url, token: "wrong", name: "it-7", sandbox });
    expect(await agent.exited).toBe(1);
    expect(agent.stderr()).toMatch(/--token: the coordinator refused the enrollment token/);
  });

  it("after kill -9, the restarted agent reports the lease it held and kills the orphaned engine", async () => {
    const { coord, sandbox } = await setup();
    const pidfile = path.join(sandbox.dir, "engine-gc.pid");
    coord.enqueue({
      id: "job-k",
      engine: "fake",
      manifest: baseManifest({ cwd: sandbox.dir }),
      prompt: `fake: grandchild ${pidfile}\nfake: print up\nfake: sleep 60000`,
    });
    // Recovery after a crash is for levels without a PID namespace (none, user): under bwrap the
    // sandbox dies with the agent (--die-with-parent; agent.integration.test.ts checks it).
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "it-8", sandbox, args: ["--isolation", "none"] });
    await coord.waitFor(() => coord.logText("job-k").includes("up"));
    agent.proc.kill("SIGKILL");
    await agent.exited;
    const gc = Number(readFileSync(pidfile, "utf8"));
    expect(alive(gc)).toBe(true); // detached engines outlive a crashed agent…
    const before = coord.heartbeats.length;
    const lease = coord.leaseOf("job-k")!;
    startAgent({ server: coord.url, name: "it-8", sandbox, args: ["--isolation", "none"] });
    const hb = await coord.waitFor(() => coord.heartbeats.slice(before).find((h) => h.running.length > 0));
    expect(hb.running).toEqual([{ leaseId: lease.id, epoch: lease.epoch }]);
    await coord.waitFor(() => !alive(gc), 5_000); // …until the next agent cleans up
  });

  it("refuses an unknown engine request by failing the job, and --offline/--server problems are usage errors", async () => {
    const { coord, sandbox } = await setup();
    coord.enqueue({ id: "job-x", engine: "fake", manifest: baseManifest({ cwd: "/definitely/not/here" }), prompt: "fake: print hi" });
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "it-9", sandbox, args: ["--once"] });
    expect(await agent.exited).toBe(0);
    const done = coord.completions.get(coord.leaseOf("job-x")!.id)!;
    expect(done.outcome).toBe("failed");
    expect(coord.logText("job-x")).toMatch(/does not exist on this factory/);

    const off = startAgent({ server: coord.url, name: "it-9", sandbox, args: ["--offline", sandbox.dir] });
    expect(await off.exited).toBe(2);
    // --offline runs the folder queue alone (offline.test.ts); next to a coordinator it is --fallback.
    expect(off.stderr()).toMatch(/--offline with --server: .*--fallback DIR/);
  });
});
