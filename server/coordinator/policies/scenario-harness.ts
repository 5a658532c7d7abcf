import "server-only";
import type { AgentEventsRequest, CompleteRequest } from "@/lib/protocol";
import type { Store } from "@/server/store/port";
import type { CoordinatorContext } from "../context";
import { createCoordinatorContext, SettingsCache } from "../context";
import { claim } from "../claim";
import { appendAgentEvents, complete } from "../leases";
import { Metrics } from "../metrics";
import { Notifier } from "../notifier";
import { LogRedactors } from "../redaction";
import { heartbeat, registerFactory } from "../factories";
import { submitJob } from "../submit";
import type { ProfileSource } from "../job-input";

/**
 * In-process driving of the coordinator for the policy scenarios: a real store (either provider),
 * a clock the test moves by hand, a fixed jitter, and a tiny agent that claims, reports and
 * completes through the same functions the HTTP routes call. No timers: nothing waits.
 */
export interface Scenario {
  ctx: CoordinatorContext;
  clock: { now: number; advance(ms: number): void };
  submit(manifest: Record<string, unknown>, title?: string): Promise<{ id: string; stage: string }>;
  factory(name?: string): Promise<TestAgent>;
}

export interface TestAgent {
  factoryId: string;
  /** one claim attempt without waiting; undefined when nothing is granted */
  claim(): Promise<{ leaseId: string; epoch: number; jobId: string } | undefined>;
  events(lease: { leaseId: string; epoch: number }, events: AgentEventsRequest["events"]): Promise<unknown>;
  complete(lease: { leaseId: string; epoch: number }, body: Omit<CompleteRequest, "epoch">): Promise<{ stage: string; duplicate: boolean }>;
}

const noProfiles: ProfileSource = { list: async () => [], get: async () => undefined, resolve: async () => undefined };

export function scenario(store: Store, opts: { jitter?: number; stallMs?: number } = {}): Scenario {
  const clock = {
    now: 1_700_000_000_000,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const now = () => clock.now;
  const ctx: CoordinatorContext = createCoordinatorContext({
    store,
    now,
    productId: "p1",
    leaseTtlMs: 60_000,
    heartbeatMs: 10_000,
    offlineAfterMs: 30_000,
    pollMs: 50,
    notifier: new Notifier(),
    metrics: new Metrics(),
    redactors: new LogRedactors(now),
    profiles: noProfiles,
    // ttl 0: every read sees another instance's toggle at once (the tests flip it and look).
    settings: new SettingsCache(store, now, 0),
    policy: { jitter: () => opts.jitter ?? 0.5, ...(opts.stallMs ? { stallMs: opts.stallMs } : {}) },
  });
  let n = 0;
  return {
    ctx,
    clock,
    async submit(manifest, title) {
      n += 1;
      const { job } = await submitJob(ctx, { kind: "json", value: { manifest: { engine: "shell", ...manifest }, body: `# ${title ?? `job ${n}`}\n\ndo it\n` } }, "tester");
      return job;
    },
    async factory(name) {
      n += 1;
      const reg = await registerFactory(ctx, { name: name ?? `f${n}`, os: "linux", arch: "x64", capabilities: ["os:linux"], stations: [{ engine: "shell", slots: 4 }], version: "0.0.0-test" });
      const factoryId = reg.factoryId;
      return {
        factoryId,
        async claim() {
          // A live agent heartbeats on its own period; the hand-moved clock would otherwise leave it offline.
          await heartbeat(ctx, factoryId, factoryId, { load: 0, free: [{ engine: "shell", slots: 4 }], running: [] });
          const f = (await store.getFactory(factoryId))!;
          const r = await claim(ctx, f, { factoryId, free: [{ engine: "shell", slots: 4 }], waitMs: 0 });
          return r ? { leaseId: r.lease.id, epoch: r.lease.epoch, jobId: r.lease.jobId } : undefined;
        },
        events: (lease, events) => appendAgentEvents(ctx, factoryId, lease.leaseId, { epoch: lease.epoch, events }),
        complete: (lease, body) => complete(ctx, factoryId, lease.leaseId, { epoch: lease.epoch, ...body }),
      };
    },
  };
}
