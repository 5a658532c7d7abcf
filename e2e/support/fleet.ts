/**
 * The system under test, for the whole browser suite: the BUILT control plane (`next start` on the
 * build in NEXT_DIST_DIR, default .next) on a free port with a temp SQLite data dir, and ONE real `fleet-agent` process
 * registered as a factory with the shell engine. Secrets are fixed per run so specs can sign in,
 * call the API as admin, and mint a viewer session.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface FleetUnderTest {
  url: string;
  adminPassword: string;
  adminToken: string;
  nextAuthSecret: string;
  factoryName: string;
  /** a local git repository jobs can name as `repo:` (each job gets its own worktree of it) */
  repo: string;
  stop(): Promise<void>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the control plane exited with ${child.exitCode} before answering`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${deadlineMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function makeRepo(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      stdio: "ignore",
      env: { ...process.env, GIT_AUTHOR_NAME: "e2e", GIT_AUTHOR_EMAIL: "e2e@example.com", GIT_COMMITTER_NAME: "e2e", GIT_COMMITTER_EMAIL: "e2e@example.com" },
    });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(dir, "README.md"), "# e2e sandbox\n");
  git("add", "README.md");
  git("commit", "-q", "-m", "initial");
}

export interface FleetOptions {
  /** more environment for the control plane (the GitHub forge's URL and token, its poll interval) */
  serverEnv?: Record<string, string>;
  /** the agent's config file (JSON or YAML): the factory's own git credentials, custom engines */
  agentConfig?: string;
  /** the agent's --engines (default shell:2) */
  engines?: string;
}

export async function startFleet(opts: FleetOptions = {}): Promise<FleetUnderTest> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "gigafactory-e2e-"));
  const secret = () => randomBytes(18).toString("base64url");
  const adminPassword = secret();
  const adminToken = secret();
  const nextAuthSecret = secret();
  const enrollmentToken = secret();
  const factoryName = "e2e-factory";
  const repo = path.join(tmp, "repo");
  makeRepo(repo);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_DIST_DIR: process.env.NEXT_DIST_DIR || ".next",
    PORT: String(port),
    HOST: "127.0.0.1",
    NEXTAUTH_URL: url,
    NEXTAUTH_SECRET: nextAuthSecret,
    FLEET_DATA_DIR: path.join(tmp, "data"),
    FLEET_ADMIN_PASSWORD: adminPassword,
    FLEET_ADMIN_TOKEN: adminToken,
    FLEET_ENROLLMENT_TOKEN: enrollmentToken,
    FLEET_HEARTBEAT_MS: "500",
    FLEET_LEASE_TTL_MS: "15000",
    FLEET_SWEEP_MS: "500",
    FLEET_OFFLINE_AFTER_MS: "5000",
    LOG_LEVEL: process.env.LOG_LEVEL || "warn",
    // every answer the browser reads is checked against its route's declared schema (server/http/check.ts)
    FLEET_CHECK_RESPONSES: "1",
  };
  const server = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    // the forge's token stays in the coordinator's environment: the agent below never gets it
    env: { ...env, ...opts.serverEnv },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitFor(`${url}/api/fleet/healthz`, server, 90_000);
  const agentConfig = path.join(tmp, "agent-config.json");
  if (opts.agentConfig) writeFileSync(agentConfig, opts.agentConfig, { mode: 0o600 });
  const agent = spawn(
    process.execPath,
    [
      path.join(root, "agent/dist/fleet-agent.mjs"),
      ...(opts.agentConfig ? ["--config", agentConfig] : []),
      "--server", url,
      "--token", enrollmentToken,
      "--name", factoryName,
      "--engines", opts.engines ?? "shell:2",
      "--max", "2",
      "--workdir", path.join(tmp, "work"),
    ],
    { cwd: tmp, env: { ...env, FLEET_AGENT_CONFIG_DIR: path.join(tmp, "agent-config") }, stdio: ["ignore", "inherit", "inherit"] },
  );
  return {
    url,
    adminPassword,
    adminToken,
    nextAuthSecret,
    factoryName,
    repo,
    async stop() {
      await stopChild(agent);
      await stopChild(server);
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
