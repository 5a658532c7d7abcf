/**
 * API benchmark (issue 4), one built server, one run: `npm run bench -- --only api`.
 *   ping_rps               no-op route, 50 concurrent clients (the baseline)
 *   claims_per_s           claim+complete cycles, 50 concurrent simulated agents, queue pre-filled
 *   claim_p50_ms/p99_ms    latency of those claims
 *   submit_to_claim_p99_ms a long poll is waiting; time from POST /jobs to the claim's answer
 *   sse_log_p99_ms         time from a log append to an SSE client receiving the line
 *   store_ops_per_job      store calls for one queued → shipped lifecycle (from /metrics' op counters)
 * Needs a build (NEXT_DIST_DIR honoured).
 */
import { startApp } from "../test/harness/app";
import { call, jobFile, registerFactory, submitJob, type FactoryClient } from "../test/harness/factory";

export const name = "api";

const AGENTS = 50;

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const round = (n: number) => Math.round(n * 100) / 100;

async function forDuration(ms: number, workers: number, work: () => Promise<void>): Promise<number> {
  const end = Date.now() + ms;
  let n = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < end) {
        await work();
        n++;
      }
    }),
  );
  return n;
}

async function storeOps(url: string, token: string): Promise<number> {
  const text = (await call(`${url}/api/fleet/metrics`, { token })).body as string;
  let total = 0;
  for (const m of text.matchAll(/^fleet_store_ops_total\{op="[^"]+"\} (\d+)$/gm)) total += Number(m[1]);
  return total;
}

export async function run(): Promise<Record<string, number>> {
  // No sweeps or heartbeats during the measurement: they would add store ops and noise.
  const app = await startApp({ env: { FLEET_SWEEP_MS: "600000", FLEET_LEASE_TTL_MS: "120000", FLEET_HEARTBEAT_MS: "10000", FLEET_OFFLINE_AFTER_MS: "600000", LOG_LEVEL: "error" } });
  const api = `${app.url}/api/fleet`;
  try {
    // ping_rps
    await forDuration(500, AGENTS, async () => void (await fetch(`${api}/ping`)).text());
    const pingMs = 4000;
    const pings = await forDuration(pingMs, AGENTS, async () => void (await fetch(`${api}/ping`)).text());
    const ping_rps = pings / (pingMs / 1000);

    // claims_per_s: the queue holds more than the agents can take in the window
    const JOBS = 1500;
    const file = jobFile({ title: "bench" });
    await Promise.all(Array.from({ length: 10 }, async (_, w) => {
      for (let i = w; i < JOBS; i += 10) await submitJob(app.url, app.adminToken, file);
    }));
    const agents: FactoryClient[] = [];
    for (let i = 0; i < AGENTS; i++) agents.push(await registerFactory(app.url, app.enrollmentToken, { name: `bench-${i}` }));
    // Warm the client's connections first, as long-running agents have them: 50 fresh TCP connects
    // at once queue up inside fetch (undici) and add up to a second to the first claims, which is
    // the client's start-up, not the coordinator's claim latency.
    await Promise.all(agents.map((a) => a.heartbeat()));
    const claimLatencies: number[] = [];
    let cycles = 0;
    const started = Date.now();
    const window = 8000;
    await Promise.all(
      agents.map(async (a) => {
        while (Date.now() - started < window) {
          const t0 = performance.now();
          const c = await a.claim();
          claimLatencies.push(performance.now() - t0);
          if (c.status !== 200) break;
          await a.complete(c.body.lease.id, c.body.lease.epoch, { outcome: "failed", exitCode: 1 });
          cycles++;
        }
      }),
    );
    const claims_per_s = cycles / ((Date.now() - started) / 1000);
    // Drain what is left so the next measurements see an empty queue.
    await call(`${api}/kill-switch`, { token: app.adminToken, json: { on: true, reason: "bench: drain" } });
    let cursor: string | undefined;
    do {
      const page = await call(`${api}/jobs?stage=queued&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: app.adminToken });
      await Promise.all(page.body.items.map((j: { id: string }) => call(`${api}/jobs/${j.id}/actions`, { token: app.adminToken, json: { action: "cancel" } })));
      cursor = page.body.nextCursor;
    } while (cursor);
    await call(`${api}/kill-switch`, { token: app.adminToken, json: { on: false } });

    // submit_to_claim with a waiting long poll
    const poller = agents[0]!;
    const s2c: number[] = [];
    for (let i = 0; i < 40; i++) {
      const waiting = poller.claim({ waitMs: 10_000 });
      await new Promise((r) => setTimeout(r, 30));
      const t0 = performance.now();
      await submitJob(app.url, app.adminToken, jobFile({ title: `s2c ${i}` }));
      const got = await waiting;
      s2c.push(performance.now() - t0);
      if (got.status === 200) await poller.complete(got.body.lease.id, got.body.lease.epoch, { outcome: "failed", exitCode: 1 });
    }

    // sse_log: append → SSE client receives
    const job = await submitJob(app.url, app.adminToken, jobFile({ title: "sse" }));
    const lease = (await poller.claim({ waitMs: 5000 })).body.lease;
    const ctl = new AbortController();
    const res = await fetch(`${api}/jobs/${job.id}/stream`, { headers: { authorization: `Bearer ${app.adminToken}` }, signal: ctl.signal });
    const reader = res.body!.getReader();
    let buffer = "";
    const arrivals = new Map<string, number>();
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        buffer += new TextDecoder().decode(value);
        for (const m of buffer.matchAll(/MARK-(\d+)-/g)) if (!arrivals.has(m[1]!)) arrivals.set(m[1]!, performance.now());
        buffer = buffer.slice(-200);
      }
    })();
    const sse: number[] = [];
    const padding = "p".repeat(600);
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      await poller.events(lease.id, lease.epoch, [{ seq: i + 1, type: "log", stream: "stdout", text: `MARK-${i}-\n${padding}` }]);
      while (!arrivals.has(String(i))) await new Promise((r) => setTimeout(r, 1));
      sse.push(arrivals.get(String(i))! - t0);
    }
    ctl.abort();
    await pump;
    await poller.complete(lease.id, lease.epoch, { outcome: "failed", exitCode: 1 });

    // store_ops_per_job: queued → claimed → building → review → shipped, averaged
    // A scrape reads the counters before its own store calls, so the span from one scrape to the
    // next includes exactly one scrape's calls: measure that and take it out.
    const s1 = await storeOps(app.url, app.adminToken);
    const s2 = await storeOps(app.url, app.adminToken);
    const perScrape = s2 - s1;
    const before = await storeOps(app.url, app.adminToken);
    const LIFECYCLES = 10;
    for (let i = 0; i < LIFECYCLES; i++) {
      const j = await submitJob(app.url, app.adminToken, jobFile({ title: `ops ${i}` }));
      const l = (await poller.claim()).body.lease;
      await poller.renew(l.id, l.epoch);
      await poller.events(l.id, l.epoch, [{ seq: 1, type: "stage", stage: "building" }, { seq: 2, type: "log", stream: "stdout", text: "ok\n" }]);
      await poller.complete(l.id, l.epoch, { outcome: "succeeded", exitCode: 0 });
      await call(`${api}/jobs/${j.id}/actions`, { token: app.adminToken, json: { action: "ship" } });
    }
    const after = await storeOps(app.url, app.adminToken);
    const store_ops_per_job = (after - before - perScrape) / LIFECYCLES;

    return {
      ping_rps: round(ping_rps),
      claims_per_s: round(claims_per_s),
      claims_vs_ping: round(claims_per_s / ping_rps),
      claim_p50_ms: round(pct(claimLatencies, 50)),
      claim_p99_ms: round(pct(claimLatencies, 99)),
      submit_to_claim_p50_ms: round(pct(s2c, 50)),
      submit_to_claim_p99_ms: round(pct(s2c, 99)),
      sse_log_p50_ms: round(pct(sse, 50)),
      sse_log_p99_ms: round(pct(sse, 99)),
      store_ops_per_job: round(store_ops_per_job),
    };
  } finally {
    await app.stop();
  }
}
