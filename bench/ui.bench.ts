/**
 * The job table's time to first rows with 100,000 jobs in the store, against a baseline of 100:
 * the server response for /jobs (HTML, session checked on the server) plus the first
 * `GET /api/fleet/jobs` page the table fetches, as the browser does them (sequentially), on the
 * BUILT app (`NEXT_DIST_DIR`, default .next-ui). Reported: the median of 15 warm runs and the first
 * (cold) run. Target (issue 8): under 2 s at 100,000.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encode } from "next-auth/jwt";

export const name = "ui: job table time to first rows";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = 15;

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

async function timed(url: string, cookie: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie, accept: url.includes("/api/") ? "application/json" : "text/html" } });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return performance.now() - t0;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function measure(jobs: number): Promise<{ cold: number; warm: number; api: number; page: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gigafactory-uibench-"));
  let server: ChildProcess | undefined;
  try {
    const seed = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(root, "bench/ui-seed.ts"), dir, String(jobs)], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (seed.status !== 0) throw new Error(`seeding ${jobs} jobs failed`);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const secret = "ui-bench-secret-0123456789abcdef";
    server = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_DIST_DIR: process.env.NEXT_DIST_DIR || ".next-ui",
        FLEET_DATA_DIR: dir,
        NEXTAUTH_SECRET: secret,
        NEXTAUTH_URL: base,
        FLEET_ADMIN_PASSWORD: "ui-bench-password",
        FLEET_ENROLLMENT_TOKEN: "ui-bench-enrollment",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/api/fleet/healthz`)).ok) break;
      } catch {
        // not up yet
      }
      if (i > 400) throw new Error("the app did not start");
      await new Promise((r) => setTimeout(r, 250));
    }
    const token = await encode({ secret, token: { sub: "admin", name: "Local admin", role: "admin" } });
    const cookie = `next-auth.session-token=${token}`;
    const pageUrl = `${base}/jobs`;
    const apiUrl = `${base}/api/fleet/jobs?sort=createdAt&order=desc&limit=50`;
    const once = async () => {
      const page = await timed(pageUrl, cookie);
      const api = await timed(apiUrl, cookie);
      return { page, api, total: page + api };
    };
    const cold = (await once()).total;
    await once();
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await once());
    return { cold, warm: median(runs.map((r) => r.total)), page: median(runs.map((r) => r.page)), api: median(runs.map((r) => r.api)) };
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, number>> {
  const small = await measure(100);
  const large = await measure(100_000);
  return {
    ui_jobs_first_rows_ms_100: small.warm,
    ui_jobs_first_rows_ms_100k: large.warm,
    ui_jobs_first_rows_cold_ms_100k: large.cold,
    ui_jobs_page_ms_100k: large.page,
    ui_jobs_api_ms_100k: large.api,
  };
}
