/**
 * Test harness: runs the BUILT control plane (`next start`) over real HTTP, one fresh instance per
 * call. Stable API, used by test/api, the agent's integration tests and the bench:
 *
 *   const app = await startApp({ env: { FLEET_LEASE_TTL_MS: "3000" } });
 *   app.url              // http://127.0.0.1:<free port>
 *   app.adminToken       // FLEET_ADMIN_TOKEN (an admin API token)
 *   app.enrollmentToken  // FLEET_ENROLLMENT_TOKEN (registers factories)
 *   app.adminPassword    // FLEET_ADMIN_PASSWORD (next-auth credentials sign-in as `admin`)
 *   app.dataDir          // the fresh FLEET_DATA_DIR (removed by stop())
 *   await app.stop()     // kills the whole process tree and removes the data dir
 *
 * The three secrets are generated per call unless `env` sets them (then the returned fields are the
 * values in force, e.g. for several instances sharing one Cosmos database: test/harness/cosmos.ts).
 *
 * The build folder is NEXT_DIST_DIR (default `.next`); without a build it fails with "run `npm run
 * build` first". Short lease/sweep/heartbeat settings and no registration limit are the defaults
 * here; `env` overrides them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface StartedApp {
  url: string;
  adminToken: string;
  enrollmentToken: string;
  adminPassword: string;
  dataDir: string;
  /** the server's stdout+stderr so far (for failure messages) */
  output(): string;
  stop(): Promise<void>;
}

export interface StartAppOptions {
  env?: Record<string, string>;
  /** how long to wait for /healthz (default 60 s: a cold start on a busy 2-core machine) */
  readyTimeoutMs?: number;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startApp(opts: StartAppOptions = {}): Promise<StartedApp> {
  const distDir = process.env.NEXT_DIST_DIR || ".next";
  if (!existsSync(path.join(root, distDir, "BUILD_ID"))) {
    throw new Error(`no build in ${distDir}: run \`npm run build\` first (or set NEXT_DIST_DIR to your build folder)`);
  }
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gf-app-"));
  const adminToken = `admin-${randomBytes(16).toString("hex")}`;
  const enrollmentToken = `enroll-${randomBytes(16).toString("hex")}`;
  const adminPassword = `pw-${randomBytes(12).toString("hex")}`;
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: "production",
    NEXT_DIST_DIR: distDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    NEXTAUTH_URL: url,
    FLEET_DATA_DIR: dataDir,
    FLEET_STORE: "sqlite",
    FLEET_ADMIN_TOKEN: adminToken,
    FLEET_ENROLLMENT_TOKEN: enrollmentToken,
    FLEET_ADMIN_PASSWORD: adminPassword,
    FLEET_LEASE_TTL_MS: "5000",
    FLEET_HEARTBEAT_MS: "1000",
    FLEET_SWEEP_MS: "250",
    FLEET_OFFLINE_AFTER_MS: "4000",
    // suites and benches register dozens of factories with one token in seconds; the suites that test
    // the limit set their own (test/api/abuse-limits.test.ts)
    FLEET_REGISTRATIONS_PER_MINUTE: "100000",
    LOG_LEVEL: "warn",
    NEXT_TELEMETRY_DISABLED: "1",
    // every answer is checked against its route's declared schema (server/http/check.ts)
    FLEET_CHECK_RESPONSES: "1",
    ...opts.env,
  };
  const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
  // detached: the server gets its own process group, so stop() can kill the whole tree.
  const child = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env: env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const stop = async () => {
    await killTree(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, opts.readyTimeoutMs ?? 60_000, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  // `env` may set the secrets (several instances sharing one store share them): report those in force.
  return {
    url,
    adminToken: env.FLEET_ADMIN_TOKEN!,
    enrollmentToken: env.FLEET_ENROLLMENT_TOKEN!,
    adminPassword: env.FLEET_ADMIN_PASSWORD!,
    dataDir,
    output: () => output,
    stop,
  };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}) before it was ready:\n${output()}`);
    try {
      const r = await fetch(`${url}/api/fleet/healthz`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the app did not become ready within ${timeoutMs} ms:\n${output()}`);
}

function killTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(force);
      resolve();
    };
    child.once("exit", done);
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      return done();
    }
    const force = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, 5_000);
  });
}
