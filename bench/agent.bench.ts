/**
 * agent_bundle_kb: size of agent/dist/fleet-agent.mjs, built fresh.
 * agent_rss_mb: resident memory of an idle agent — registered, heartbeating and long-polling with
 * nothing to claim — against the real coordinator (test/harness/app.ts, needs a build) or, when
 * no build is there, against agent/test/fake-coordinator.ts (same wire, claim → 204 after waitMs).
 * agent_rss_baseline_mb: a bare `node -e` idle process measured in the same run, for comparison.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { agentSandbox, BUNDLE, buildAgent } from "../agent/test/agent-process";
import { FakeCoordinator } from "../agent/test/fake-coordinator";

export const name = "agent";

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: ask ps
  }
  return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settledRss(proc: ChildProcess): Promise<number> {
  // Let start-up garbage be collected and the first long poll begin; take the median of samples.
  await sleep(3_000);
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    samples.push(rssMb(proc.pid!));
    await sleep(300);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

async function stop(proc: ChildProcess) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGKILL");
  await gone;
}

async function coordinator(): Promise<{ url: string; token: string; kind: string; stop: () => Promise<void> }> {
  if (process.env.FLEET_BENCH_AGENT_COORDINATOR !== "fake") {
    try {
      const { startApp } = await import("../test/harness/app");
      const app = await startApp();
      const probe = await fetch(app.url + "/api/fleet/factories", { method: "POST", headers: { authorization: "Bearer x" }, body: "{}" });
      if (probe.status !== 404) return { url: app.url, token: app.enrollmentToken, kind: "real coordinator (harness)", stop: app.stop };
      await app.stop();
    } catch (e) {
      process.stderr.write(`bench agent: real coordinator unavailable (${(e as Error).message.split("\n")[0]}); using the fake one\n`);
    }
  }
  const fake = await new FakeCoordinator().start();
  return { url: fake.url, token: fake.enrollmentToken, kind: "fake coordinator (agent/test/fake-coordinator.ts)", stop: () => fake.stop() };
}

export async function run(): Promise<Record<string, number>> {
  buildAgent();
  const agent_bundle_kb = Math.round(statSync(BUNDLE).size / 1024);

  const baseline = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  const agent_rss_baseline_mb = await settledRss(baseline);
  await stop(baseline);

  const coord = await coordinator();
  const sandbox = agentSandbox();
  const proc = spawn(process.execPath, [BUNDLE, "--server", coord.url, "--token", coord.token, "--name", "bench-idle", "--workdir", sandbox.workdir, "--engines", "shell"], {
    env: { ...process.env, FLEET_AGENT_CONFIG_DIR: sandbox.configDir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  proc.stderr!.on("data", (d) => (err += d));
  try {
    const agent_rss_mb = await settledRss(proc);
    if (proc.exitCode !== null) throw new Error(`the agent exited: ${err}`);
    process.stderr.write(`bench agent: idle agent against the ${coord.kind}\n`);
    return { agent_bundle_kb, agent_rss_mb: Math.round(agent_rss_mb * 10) / 10, agent_rss_baseline_mb: Math.round(agent_rss_baseline_mb * 10) / 10 };
  } finally {
    await stop(proc);
    await coord.stop();
    sandbox.cleanup();
  }
}
