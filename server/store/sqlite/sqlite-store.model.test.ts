import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Stage } from "@/lib/types";
import { newJob } from "../contract/fixtures";
import { isStoreError } from "../errors";
import type { Store } from "../port";
import { openSqliteStore } from "./sqlite-store";

/**
 * Model-based test: random sequences of submit / claim / renew / append / complete / cancel /
 * requeue / tick / reap run against the SQLite provider and against a few lines of plain model;
 * after every step every job must look the same in both. The model is the spec of the lease rules
 * in its simplest form (one map, no I/O), so a divergence is a bug in one or the other.
 * (`:memory:` is fine here: durability is not the point, the rules are.)
 */
const TTL = 10_000;

interface MLease {
  id: string;
  epoch: number;
  expiresAt: number;
  cancelled: boolean;
}
interface MJob {
  id: string;
  stage: Stage;
  epoch: number;
  attempts: number;
  leaseLosses: number;
  lease?: MLease;
  events: number;
}
interface Model {
  now: number;
  jobs: MJob[];
  leases: { id: string; job: number; epoch: number }[];
  endedByAgent: Set<string>;
  agentSeqs: Set<string>;
}
interface Real {
  store: Store;
}

type Outcome = string; // "ok" | "null" | a StoreError code

async function outcomeOf(p: Promise<unknown>): Promise<Outcome> {
  try {
    const v = await p;
    return v === null ? "null" : "ok";
  } catch (e) {
    if (isStoreError(e)) return e.code;
    throw e;
  }
}

async function assertSame(m: Model, r: Real): Promise<void> {
  for (const mj of m.jobs) {
    const j = await r.store.getJob(mj.id);
    expect({
      stage: j?.stage,
      epoch: j?.epoch,
      attempts: j?.attempts,
      leaseLosses: j?.leaseLosses,
      lease: j?.lease ? { id: j.lease.id, epoch: j.lease.epoch, expiresAt: j.lease.expiresAt, cancelled: j.lease.cancelled === true } : undefined,
      events: (await r.store.readEvents(mj.id, 0, 1_000)).length,
    }).toEqual({ stage: mj.stage, epoch: mj.epoch, attempts: mj.attempts, leaseLosses: mj.leaseLosses, lease: mj.lease, events: mj.events });
  }
}

/** The fence rule of the model: current lease, right epoch, not expired. */
function fenceOk(m: Model, leaseIdx: number, stale: boolean): { job: MJob; lease: MLease } | undefined {
  const l = m.leases[leaseIdx]!;
  const job = m.jobs[l.job]!;
  if (stale || !job.lease || job.lease.id !== l.id || m.now >= job.lease.expiresAt) return undefined;
  return { job, lease: job.lease };
}

type Cmd = fc.AsyncCommand<Model, Real>;

const cmd = (name: string, check: (m: Model) => boolean, run: (m: Model, r: Real) => Promise<void>): Cmd => ({
  check,
  run: async (m, r) => {
    await run(m, r);
    await assertSame(m, r);
  },
  toString: () => name,
});

const submit = () =>
  cmd("submit", () => true, async (m, r) => {
    const id = `m${m.jobs.length}`;
    await r.store.submitJob(newJob({ id, now: m.now }));
    m.jobs.push({ id, stage: "queued", epoch: 0, attempts: 0, leaseLosses: 0, events: 0 });
  });

const claim = (pick: number) =>
  cmd(`claim(${pick})`, (m) => m.jobs.length > 0, async (m, r) => {
    const idx = pick % m.jobs.length;
    const job = m.jobs[idx]!;
    const leaseId = `L${m.leases.length}`;
    const got = await outcomeOf(r.store.claimJob({ jobId: job.id, factoryId: "f", engine: "e", leaseId, ttlMs: TTL, now: m.now }));
    const claimable = job.stage === "queued" && !job.lease;
    expect(got).toBe(claimable ? "ok" : "null");
    if (claimable) {
      job.stage = "assigned";
      job.epoch += 1;
      job.lease = { id: leaseId, epoch: job.epoch, expiresAt: m.now + TTL, cancelled: false };
      m.leases.push({ id: leaseId, job: idx, epoch: job.epoch });
    }
  });

const renew = (pick: number, stale: boolean) =>
  cmd(`renew(${pick}, stale=${stale})`, (m) => m.leases.length > 0, async (m, r) => {
    const li = pick % m.leases.length;
    const l = m.leases[li]!;
    const got = await outcomeOf(r.store.renewLease(l.id, stale ? l.epoch - 1 : l.epoch, m.now, TTL));
    const ok = fenceOk(m, li, stale);
    if (!ok) return void expect(got).toBe("lease_lost");
    if (ok.lease.cancelled) return void expect(got).toBe("cancelled");
    expect(got).toBe("ok");
    ok.lease.expiresAt = Math.max(ok.lease.expiresAt, m.now + TTL);
  });

const append = (pick: number, agentSeq: number, stale: boolean) =>
  cmd(`append(${pick}, ${agentSeq}, stale=${stale})`, (m) => m.leases.length > 0, async (m, r) => {
    const li = pick % m.leases.length;
    const l = m.leases[li]!;
    const jobId = m.jobs[l.job]!.id;
    const fence = { leaseId: l.id, epoch: stale ? l.epoch - 1 : l.epoch, now: m.now };
    const got = await outcomeOf(r.store.appendEvents(jobId, [{ type: "run:log", at: m.now, agentSeq }], fence));
    const ok = fenceOk(m, li, stale);
    if (!ok) return void expect(got).toBe("lease_lost");
    expect(got).toBe("ok");
    const key = `${l.id}/${agentSeq}`;
    if (!m.agentSeqs.has(key)) {
      m.agentSeqs.add(key);
      ok.job.events += 1;
    }
  });

const complete = (pick: number, success: boolean, stale: boolean) =>
  cmd(`complete(${pick}, ${success}, stale=${stale})`, (m) => m.leases.length > 0, async (m, r) => {
    const li = pick % m.leases.length;
    const l = m.leases[li]!;
    const res = await r.store
      .completeAttempt({
        leaseId: l.id,
        epoch: stale ? l.epoch - 1 : l.epoch,
        now: m.now,
        result: { outcome: success ? "succeeded" : "failed" },
        next: { stage: success ? "review" : "queued", countAttempt: !success },
      })
      .then((x) => (x.duplicate ? "duplicate" : "ok"), (e: unknown) => (isStoreError(e) ? e.code : Promise.reject(e)));
    if (!stale && m.endedByAgent.has(l.id)) return void expect(res).toBe("duplicate");
    const ok = fenceOk(m, li, stale);
    if (!ok) return void expect(res).toBe("lease_lost");
    expect(res).toBe("ok");
    if (!ok.lease.cancelled) {
      ok.job.stage = success ? "review" : "queued";
      if (!success) ok.job.attempts += 1;
    }
    delete ok.job.lease;
    m.endedByAgent.add(l.id);
  });

/** cancel (→ cancelled) or requeue (→ queued), the operator moves that touch leases. */
const operator = (pick: number, to: "cancelled" | "queued") =>
  cmd(`${to}(${pick})`, (m) => m.jobs.length > 0, async (m, r) => {
    const job = m.jobs[pick % m.jobs.length]!;
    const got = await outcomeOf(r.store.transitionStage(job.id, { to, now: m.now }));
    const legal = to === "cancelled" || job.stage !== "review";
    if (!legal) return void expect(got).toBe("illegal_transition");
    expect(got).toBe("ok");
    if (job.lease && job.stage === "assigned") job.lease.cancelled = true; // leaving a leased stage
    job.stage = to;
  });

const tick = (ms: number) =>
  cmd(`tick(${ms})`, () => true, async (m) => {
    m.now += ms;
  });

const reap = () =>
  cmd("reap", () => true, async (m, r) => {
    const reaped = await r.store.reapExpiredLeases(m.now, () => ({ to: "queued", countAttempt: true }));
    const expected: string[] = [];
    for (const job of m.jobs) {
      if (!job.lease || job.lease.expiresAt > m.now) continue;
      expected.push(job.id);
      if (!job.lease.cancelled) {
        job.stage = "queued";
        job.attempts += 1;
        job.leaseLosses += 1;
      }
      delete job.lease;
    }
    expect(reaped.map((x) => x.jobId).sort()).toEqual(expected.sort());
  });

const commands = [
  fc.constant(submit()),
  fc.nat(20).map(claim),
  fc.tuple(fc.nat(20), fc.boolean()).map(([p, s]) => renew(p, s)),
  fc.tuple(fc.nat(20), fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([p, a, s]) => append(p, a, s)),
  fc.tuple(fc.nat(20), fc.boolean(), fc.boolean()).map(([p, ok, s]) => complete(p, ok, s)),
  fc.tuple(fc.nat(20), fc.constantFrom("cancelled" as const, "queued" as const)).map(([p, to]) => operator(p, to)),
  fc.integer({ min: 0, max: 12_000 }).map(tick),
  fc.constant(reap()),
];

describe("sqlite store against a model", () => {
  it("never diverges over random submit/claim/renew/append/complete/cancel/requeue/expire sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: "large" }), async (cmds) => {
        const store = openSqliteStore({ file: ":memory:" });
        try {
          const model: Model = { now: 1_000, jobs: [], leases: [], endedByAgent: new Set(), agentSeqs: new Set() };
          await fc.asyncModelRun(() => ({ model, real: { store } }), cmds);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
