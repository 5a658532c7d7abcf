/**
 * Factories behind a corporate proxy: the built agent, as a child process, reaches the coordinator
 * through a local forward proxy (./connect-proxy.ts) named by HTTPS_PROXY / HTTP_PROXY, bypasses it
 * for NO_PROXY hosts, and hands the same variables to its git and to the job.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { selfSignedCertificate } from "../../test/harness/tls";
import { agentSandbox, buildAgent, killAllAgents, startAgent } from "./agent-process";
import { ConnectProxy } from "./connect-proxy";
import { baseManifest, FakeCoordinator } from "./fake-coordinator";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await killAllAgents();
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeAll(() => buildAgent(), 120_000);

/** Every proxy variable cleared (the runner's own must not leak into these tests), then `set`. */
function proxyEnv(set: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"]) env[k] = env[k.toLowerCase()] = "";
  return { ...env, ...set };
}

async function started<T extends { stop(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const s = await p;
  cleanups.push(() => s.stop());
  return s;
}

function sandbox() {
  const s = agentSandbox();
  cleanups.push(() => s.cleanup());
  return s;
}

describe.skipIf(process.platform === "win32")("fleet-agent behind a proxy", () => {
  it("https coordinator: registers, claims and completes through a CONNECT tunnel (trusting NODE_EXTRA_CA_CERTS); the job sees the proxy variables", async () => {
    const certDir = mkdtempSync(path.join(os.tmpdir(), "gf-proxy-tls-"));
    cleanups.push(() => rmSync(certDir, { recursive: true, force: true }));
    const { keyFile, certFile } = selfSignedCertificate(certDir);
    const coord = await started(new FakeCoordinator({ key: readFileSync(keyFile), cert: readFileSync(certFile) }).start());
    const proxy = await started(new ConnectProxy().start());
    const sb = sandbox();
    coord.enqueue({
      id: "job-proxy",
      engine: "shell",
      manifest: baseManifest({ cwd: sb.dir, engine: "shell" }),
      prompt: 'echo "job sees HTTPS_PROXY=$HTTPS_PROXY NO_PROXY=$NO_PROXY"',
    });
    const agent = startAgent({
      server: coord.url,
      token: coord.enrollmentToken,
      name: "behind-proxy",
      sandbox: sb,
      args: ["--once"],
      env: { ...proxyEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: "internal.example" }), NODE_EXTRA_CA_CERTS: certFile },
    });
    expect(await agent.exited, agent.stderr()).toBe(0);
    expect(coord.registrations).toHaveLength(1);
    const lease = coord.leaseOf("job-proxy")!;
    expect(coord.completions.get(lease.id)?.outcome).toBe("succeeded");
    // Only tunnels, all to the coordinator: the proxy never saw a path, a header or a token.
    const target = new URL(coord.url).host;
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(proxy.seen.every((s) => s.method === "CONNECT" && s.target === target)).toBe(true);
    expect(coord.logText("job-proxy")).toContain(`job sees HTTPS_PROXY=${proxy.url} NO_PROXY=internal.example`);
    expect(agent.stderr()).toContain(`coordinator via proxy http://${new URL(proxy.url).host}`);
  });

  it("http coordinator: requests reach the proxy in absolute form, and the agent's git goes through it too", async () => {
    const coord = await started(new FakeCoordinator().start());
    const proxy = await started(new ConnectProxy().start());
    const sb = sandbox();
    // A repository only the proxy can be asked for: the agent's own git clone must go through HTTP_PROXY.
    const repo = "http://git.invalid/acme/web.git";
    coord.enqueue({ id: "job-git", engine: "shell", manifest: baseManifest({ repo, engine: "shell" }), prompt: "echo never" });
    const agent = startAgent({ server: coord.url, token: coord.enrollmentToken, name: "http-proxy", sandbox: sb, args: ["--once"], env: proxyEnv({ http_proxy: proxy.url }) });
    expect(await agent.exited, agent.stderr()).toBe(0);
    const targets = proxy.seen.map((s) => `${s.method} ${s.target}`);
    expect(targets).toContain(`POST ${coord.url}/api/fleet/factories`);
    expect(targets).toContain(`POST ${coord.url}/api/fleet/leases/claim`);
    expect(targets.some((t) => t.startsWith("GET http://git.invalid/acme/web.git/info/refs"))).toBe(true);
    // The clone failed (the proxy could not reach git.invalid): the job failed and said so.
    expect(coord.completions.get(coord.leaseOf("job-git")!.id)?.outcome).toBe("failed");
  });

  it("NO_PROXY: a listed coordinator is reached directly; the proxy sees nothing", async () => {
    const coord = await started(new FakeCoordinator().start());
    const proxy = await started(new ConnectProxy().start());
    const sb = sandbox();
    coord.enqueue({ id: "job-direct", engine: "shell", manifest: baseManifest({ cwd: sb.dir, engine: "shell" }), prompt: "echo direct" });
    const agent = startAgent({
      server: coord.url,
      token: coord.enrollmentToken,
      name: "no-proxy",
      sandbox: sb,
      args: ["--once"],
      env: proxyEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: "localhost, 127.0.0.1" }),
    });
    expect(await agent.exited, agent.stderr()).toBe(0);
    expect(coord.completions.get(coord.leaseOf("job-direct")!.id)?.outcome).toBe("succeeded");
    expect(proxy.seen).toEqual([]);
    expect(agent.stderr()).not.toContain("via proxy");
  });

  it("refuses to start with a proxy it cannot use, naming the variable", async () => {
    const sb = sandbox();
    const agent = startAgent({ server: "http://127.0.0.1:9", token: "x", name: "socks", sandbox: sb, env: proxyEnv({ HTTP_PROXY: "socks5://127.0.0.1:1080" }) });
    expect(await agent.exited).toBe(2);
    expect(agent.stderr()).toContain("HTTP_PROXY: only http:// and https:// proxies are supported");
  });
});
