import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { newJob } from "../contract/fixtures";
import { openSqliteStore } from "./sqlite-store";

/**
 * The SQLite race with real parallelism: 5 worker threads × 10 claim loops = 50 concurrent claimers,
 * each thread on its own connection to one WAL file, against 1,000 queued jobs. BEGIN IMMEDIATE must
 * serialize them so that each job is granted exactly once.
 */
const require = createRequire(import.meta.url);
const WORKERS = 5;
const CLAIMERS_PER_WORKER = 10;
const JOBS = 1_000;

interface WorkerResult {
  grants: { jobId: string; leaseId: string }[];
  attempts: number;
  busy: number;
}

/** Starts a worker; resolves `ready` once it is loaded, and `done` with its result after `go()`. */
function startWorker(file: string, worker: number): { ready: Promise<void>; done: Promise<WorkerResult>; go: () => void } {
  let markReady!: () => void;
  let failReady!: (e: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
  let w!: Worker;
  const done = new Promise<WorkerResult>((resolve, reject) => {
    // Plain Node in the thread: a tiny ESM bootstrap registers tsx, then loads the TypeScript worker;
    // the react-server condition makes `server-only` a no-op, as the vitest alias does here.
    const target = new URL("./claim-race.worker.ts", import.meta.url).href;
    const tsxApi = pathToFileURL(require.resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
    const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(target)});`;
    w = new Worker(new URL("data:text/javascript," + encodeURIComponent(bootstrap)), {
      workerData: { file, worker, claimers: CLAIMERS_PER_WORKER, now: 1_000_000 },
      execArgv: ["--conditions=react-server"],
    });
    w.on("message", (m: WorkerResult | { ready: true }) => ("ready" in m ? markReady() : resolve(m)));
    const fail = (e: unknown) => {
      failReady(e); // a worker that dies while loading must not leave the test waiting
      reject(e);
    };
    w.once("error", fail);
    w.once("exit", (code) => {
      if (code !== 0) fail(new Error(`worker ${worker} exited with ${code}`));
    });
  });
  return { ready, done, go: () => w.postMessage("go") };
}

describe("sqlite claim race across threads", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-race-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("50 claimers in 5 threads grant each of 1,000 jobs exactly once", async () => {
    const file = path.join(dir, "race.db");
    const setup = openSqliteStore({ file });
    for (let i = 0; i < JOBS; i++) await setup.submitJob(newJob({ id: `t-${i}`, now: i }));

    const workers = Array.from({ length: WORKERS }, (_, w) => startWorker(file, w));
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const results = await Promise.all(workers.map((w) => w.done));

    const grants = results.flatMap((r) => r.grants);
    const perJob = new Map<string, number>();
    for (const g of grants) perJob.set(g.jobId, (perJob.get(g.jobId) ?? 0) + 1);
    expect([...perJob.values()].filter((n) => n > 1)).toEqual([]); // double grants = 0
    expect(perJob.size).toBe(JOBS);
    expect(results.every((r) => r.grants.length > 0)).toBe(true); // every thread took part
    expect(results.reduce((n, r) => n + r.attempts, 0)).toBeGreaterThan(JOBS); // and they collided
    expect(await setup.countJobsByStage()).toEqual({ assigned: JOBS });
    const leases = await Promise.all(grants.slice(0, 50).map(async (g) => [(await setup.getJob(g.jobId))?.lease?.id, g.leaseId]));
    for (const [stored, told] of leases) expect(stored).toBe(told);
    // A grant's events commit with it: a job claimed by an odd thread has exactly its one
    // lease:granted event, naming the lease it holds; a losing claim left none behind.
    for (const g of grants.filter((g) => /^w[13]-/.test(g.leaseId))) {
      const granted = (await setup.readEvents(g.jobId, 0, 100)).filter((e) => e.type === "lease:granted");
      expect(granted.map((e) => e.data)).toEqual([{ leaseId: g.leaseId }]);
    }
    for (const g of grants.filter((g) => !/^w[13]-/.test(g.leaseId))) {
      expect((await setup.readEvents(g.jobId, 0, 100)).filter((e) => e.type === "lease:granted")).toEqual([]);
    }
    await setup.close();
  }, 120_000);
});
