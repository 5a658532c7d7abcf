/** Runs the BUILT agent (agent/dist/fleet-agent.mjs, what ships) as a child process for tests. */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const AGENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = path.dirname(AGENT_DIR);
export const BUNDLE = path.join(AGENT_DIR, "dist", "fleet-agent.mjs");
export const BIN = path.join(AGENT_DIR, "bin", "fleet-agent.mjs");
export const FAKE_ENGINE = path.join(AGENT_DIR, "test", "fixtures", "fake-engine.mjs");

let built = false;
export function buildAgent(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts", "build-agent.mjs")], { cwd: REPO_ROOT, stdio: "pipe" });
  built = true;
}

export interface AgentHandle {
  proc: ChildProcess;
  name: string;
  stderr(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** A temp home for one test: config dir, workdir, and a config file defining the `fake` engine. */
export function agentSandbox() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-agent-it-"));
  const config = path.join(dir, "agent.yaml");
  writeFileSync(
    config,
    [
      "engines:",
      "  fake:",
      `    command: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(FAKE_ENGINE)}, "{prompt}"]`,
      "    output: claude",
      "",
    ].join("\n"),
  );
  return { dir, config, configDir: path.join(dir, "config"), workdir: path.join(dir, "work"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const running = new Set<ChildProcess>();

export function startAgent(opts: {
  server: string;
  token?: string;
  name: string;
  sandbox: ReturnType<typeof agentSandbox>;
  args?: string[];
  env?: Record<string, string | undefined>;
}): AgentHandle {
  const args = [
    BUNDLE,
    "--server", opts.server,
    "--name", opts.name,
    "--workdir", opts.sandbox.workdir,
    "--config", opts.sandbox.config,
    "--engines", "fake,shell",
    ...(opts.token ? ["--token", opts.token] : []),
    ...(opts.args ?? []),
  ];
  const proc = spawn(process.execPath, args, {
    env: {
      ...process.env,
      FLEET_AGENT_CONFIG_DIR: opts.sandbox.configDir,
      FLEET_HEARTBEAT_MS: "200",
      FLEET_AGENT_KILL_GRACE_MS: "300",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(proc);
  let err = "";
  proc.stderr!.on("data", (d) => (err += d));
  proc.stdout!.on("data", () => {});
  const exited = new Promise<number | null>((r) => proc.once("exit", (code, signal) => {
    running.delete(proc);
    r(code ?? (signal ? 128 : null));
  }));
  return {
    proc,
    name: opts.name,
    stderr: () => err,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}

/** afterEach: no agent may outlive its test. */
export async function killAllAgents(): Promise<void> {
  await Promise.all(
    [...running].map(
      (p) =>
        new Promise<void>((r) => {
          if (p.exitCode !== null || p.signalCode !== null) return r();
          p.once("exit", () => r());
          p.kill("SIGKILL");
        }),
    ),
  );
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
