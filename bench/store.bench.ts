/**
 * Store benchmark (issue 3).
 *   sqlite_claims_per_s      claim statements per second through the SQLite provider, in-process,
 *                            on a file holding 100,000 jobs (target ≥ 10,000)
 *   sqlite_raw_update_per_s  baseline in the same run: raw better-sqlite3, one BEGIN IMMEDIATE +
 *                            conditional UPDATE per op on a table of the same size
 *   sqlite_claim_vs_raw      the ratio (what the port, JSON documents and history records cost)
 *   sqlite_candidates_p99_ms listClaimCandidates(limit 50) at 100,000 jobs (the claim-path index)
 *   store_ops_per_job        port calls of one minimal job lifecycle (submit, candidates, claim,
 *                            renew, events, log, complete), from the store's own op counters
 *   cosmos_point_ops_per_s   point reads per second through the real @azure/cosmos client against
 *                            the in-process test server (8 in flight)
 *   cosmos_claims_per_s      claims per second against the test server (sequential)
 *
 * The store imports `server-only`, which throws in plain Node: `run()` measures in a child process
 * started with `--conditions=react-server` (where it resolves to its empty module), this same file.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

export const name = "store";

const here = fileURLToPath(import.meta.url);
const JOBS = 100_000;
const CLAIMS = 20_000;
const RAW_UPDATES = 20_000;

export async function run(): Promise<Record<string, number>> {
  const child = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", here, "--measure"], {
    cwd: path.dirname(path.dirname(here)),
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  if (child.status !== 0) throw new Error(`store bench failed (${child.status}):\n${child.stderr}`);
  const last = child.stdout.trim().split("\n").pop() ?? "{}";
  return JSON.parse(last) as Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function measureSqlite(dir: string): Promise<Record<string, number>> {
  const { openSqliteStore } = await import("@/server/store/sqlite/sqlite-store");
  const { newJob } = await import("@/server/store/contract/fixtures");
  const store = openSqliteStore({ file: path.join(dir, "bench.db") });
  const base = newJob();
  for (let i = 0; i < JOBS; i++) {
    await store.submitJob({ ...base, id: `b${i}`, title: `bench job ${i}`, now: i, manifest: { ...base.manifest, priority: i % 7 === 0 ? "high" : "medium" } });
  }
  const candidateTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await store.listClaimCandidates({ now: JOBS, limit: 50 });
    candidateTimes.push(performance.now() - t);
  }
  candidateTimes.sort((a, b) => a - b);

  const started = performance.now();
  let granted = 0;
  for (let i = 0; i < CLAIMS; i++) {
    const g = await store.claimJob({ jobId: `b${i * 3}`, factoryId: "f", engine: "e", leaseId: `L${i}`, ttlMs: 60_000, now: JOBS });
    if (g) granted += 1;
  }
  const claimSeconds = (performance.now() - started) / 1000;
  if (granted !== CLAIMS) throw new Error(`only ${granted} of ${CLAIMS} claims granted`);

  // one job's whole life, counted at the port
  store.resetOpCounts();
  const { job } = await store.submitJob({ ...base, id: "life", now: JOBS });
  await store.listClaimCandidates({ now: JOBS, limit: 10 });
  await store.claimJob({ jobId: job.id, factoryId: "f", engine: "e", leaseId: "Llife", ttlMs: 60_000, now: JOBS });
  const fence = { leaseId: "Llife", epoch: 1, now: JOBS + 1 };
  await store.renewLease("Llife", 1, JOBS + 1, 60_000);
  await store.appendEvents(job.id, [{ type: "stage:changed", at: JOBS + 1, agentSeq: 1 }], fence);
  await store.appendLog(job.id, fence, [{ seq: 1, stream: "stdout", text: "ok\n", at: JOBS + 1 }]);
  await store.completeAttempt({ leaseId: "Llife", epoch: 1, now: JOBS + 2, result: { outcome: "succeeded", exitCode: 0 }, next: { stage: "review", countAttempt: false } });
  const opsPerJob = Object.values(store.opCounts()).reduce((a, b) => a + b, 0);
  await store.close();

  // baseline: the bare minimum a claim needs, in raw better-sqlite3 on a same-size table
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(path.join(dir, "raw.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE t (id TEXT PRIMARY KEY, stage TEXT, lease_id TEXT, epoch INTEGER, version INTEGER, doc TEXT)");
  const ins = db.prepare("INSERT INTO t VALUES (?, 'queued', NULL, 0, 1, ?)");
  db.transaction(() => {
    for (let i = 0; i < JOBS; i++) ins.run(`b${i}`, JSON.stringify(base));
  })();
  const upd = db.prepare("UPDATE t SET stage = 'assigned', lease_id = ?, epoch = epoch + 1, version = version + 1 WHERE id = ? AND version = 1");
  const claimRaw = db.transaction((leaseId: string, id: string) => upd.run(leaseId, id).changes);
  const rawStart = performance.now();
  for (let i = 0; i < RAW_UPDATES; i++) claimRaw.immediate(`L${i}`, `b${i * 3}`);
  const rawSeconds = (performance.now() - rawStart) / 1000;
  db.close();

  const claimsPerS = CLAIMS / claimSeconds;
  const rawPerS = RAW_UPDATES / rawSeconds;
  return {
    sqlite_claims_per_s: Math.round(claimsPerS),
    sqlite_raw_update_per_s: Math.round(rawPerS),
    sqlite_claim_vs_raw: round(claimsPerS / rawPerS, 3),
    sqlite_candidates_p99_ms: round(percentile(candidateTimes, 99), 3),
    store_ops_per_job: opsPerJob,
  };
}

async function measureCosmos(): Promise<Record<string, number>> {
  const { startCosmosTestServer } = await import("@/server/store/testing-server");
  const { openCosmosStore } = await import("@/server/store/cosmos/cosmos-store");
  const { newJob } = await import("@/server/store/contract/fixtures");
  const server = await startCosmosTestServer();
  try {
    const store = await openCosmosStore({ endpoint: server.endpoint, key: server.key, database: "bench", allowSelfSigned: true });
    const N = 200;
    for (let i = 0; i < N; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, k) => store.submitJob(newJob({ id: `c${i + k}`, now: i + k }))));
    }
    const READS = 600;
    let next = 0;
    const readStart = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < READS) await store.getJob(`c${next++ % N}`);
      }),
    );
    const readSeconds = (performance.now() - readStart) / 1000;
    const claimStart = performance.now();
    for (let i = 0; i < 100; i++) {
      await store.claimJob({ jobId: `c${i}`, factoryId: "f", engine: "e", leaseId: `L${i}`, ttlMs: 60_000, now: 10_000 });
    }
    const claimSeconds = (performance.now() - claimStart) / 1000;
    await store.close();
    return { cosmos_point_ops_per_s: Math.round(READS / readSeconds), cosmos_claims_per_s: round(100 / claimSeconds) };
  } finally {
    await server.stop();
  }
}

if (process.argv[1] === here && process.argv.includes("--measure")) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-store-bench-"));
  try {
    const metrics = { ...(await measureSqlite(dir)), ...(await measureCosmos()) };
    process.stdout.write(JSON.stringify(metrics) + "\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
