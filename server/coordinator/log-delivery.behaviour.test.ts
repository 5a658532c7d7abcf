import { expect, it } from "vitest";
import { LOG_TAIL_BYTES, logTruncatedMarker } from "@/lib/limits";
import { isFleetError } from "@/server/errors";
import type { Store } from "@/server/store/port";
import { forEachProvider } from "@/server/store/testing";
import { scenario } from "./policies/scenario-harness";
import { LogRedactors } from "./redaction";

/**
 * Issue 14 §5/§6 on the coordinator, over each real store: what enters the store is redacted (logs,
 * titles, scope paths); a batch refused by the fence, or lost to a store error, does not move the
 * redactors (the agent's re-send is stored, not dropped as a repeat); and an attempt's log is capped
 * with a visible marker, its last stretch still stored at the end.
 */

// A token-shaped value assembled at run time (no token sits in the repository).
const TOKEN = "ghp_" + Array.from({ length: 36 }, (_, i) => "Zq8XwP4kLm2N9vBt"[(i * 5) % 16]).join("");

async function logText(store: Store, jobId: string): Promise<string> {
  return (await store.readLog(jobId, 0, 100_000)).map((c) => c.text).join("");
}

/** A store whose next appendLog fails once, as a transient error would (the write does not happen). */
function failingOnce(store: Store): { store: Store; arm(): void } {
  let armed = false;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "appendLog") {
        return async (...args: Parameters<Store["appendLog"]>) => {
          if (armed) {
            armed = false;
            throw new Error("transient: connection reset");
          }
          return target.appendLog(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { store: wrapped, arm: () => (armed = true) };
}

forEachProvider(({ newStore }) => {
  it("a batch refused by the fence leaves the redactors alone: the current lease's batch with the same seqs is stored", async () => {
    const s = scenario(await newStore());
    const job = await s.submit({}, "fence");
    const agent = await s.factory();
    const lease = (await agent.claim())!;
    // A stale epoch (an old attempt's agent) carrying the first half of a secret.
    const stale = await agent
      .events({ ...lease, epoch: lease.epoch + 7 }, [{ seq: 1, type: "log", stream: "stdout", text: `token ${TOKEN.slice(0, 10)}` }])
      .then(() => undefined, (e: unknown) => e);
    expect(isFleetError(stale) && stale.code).toBe("lease_lost");
    await agent.events(lease, [
      { seq: 1, type: "log", stream: "stdout", text: "hello\n" },
      { seq: 2, type: "log", stream: "stdout", text: `using ${TOKEN} now\n` },
    ]);
    expect(await logText(s.ctx.store, job.id)).toBe("hello\nusing [REDACTED:github-token] now\n");
  });

  it("a transient store error does not lose the batch: the re-send is stored once, redacted the same way", async () => {
    const base = await newStore();
    const f = failingOnce(base);
    const s = scenario(f.store);
    const job = await s.submit({}, "transient");
    const agent = await s.factory();
    const lease = (await agent.claim())!;
    const batch = [
      { seq: 1, type: "log" as const, stream: "stdout" as const, text: `first line\nsplit ${TOKEN.slice(0, 12)}` },
      { seq: 2, type: "log" as const, stream: "stdout" as const, text: `${TOKEN.slice(12)} done\n` },
    ];
    f.arm();
    await expect(agent.events(lease, batch)).rejects.toThrow(/transient/);
    await agent.events(lease, batch);
    await agent.events(lease, batch); // a duplicate re-send changes nothing
    expect(await logText(base, job.id)).toBe("first line\nsplit [REDACTED:github-token] done\n");
  });

  it("an attempt's log is capped with the marker; output after it is dropped except its tail, stored at the end", async () => {
    const s = scenario(await newStore());
    const cap = 65_536;
    s.ctx.redactors = new LogRedactors(s.ctx.now, cap);
    const job = await s.submit({}, "burst");
    const agent = await s.factory();
    const lease = (await agent.claim())!;
    // 2 MiB of numbered lines in 16 KiB events, 20 events a batch.
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${String(i).padStart(6, "0")} ${"x".repeat(38)}\n`);
    const whole = lines.join("");
    let seq = 0;
    const events: { seq: number; type: "log"; stream: "stdout"; text: string }[] = [];
    for (let i = 0; i < whole.length; i += 16_384) events.push({ seq: ++seq, type: "log", stream: "stdout", text: whole.slice(i, i + 16_384) });
    for (let i = 0; i < events.length; i += 20) await agent.events(lease, events.slice(i, i + 20));
    const during = await logText(s.ctx.store, job.id);
    expect(during.length).toBeLessThanOrEqual(cap + logTruncatedMarker(cap).length);
    expect(during.endsWith(logTruncatedMarker(cap))).toBe(true);
    await agent.complete(lease, { outcome: "succeeded", exitCode: 0 });
    const after = await logText(s.ctx.store, job.id);
    expect(after.startsWith(during)).toBe(true);
    const tail = after.slice(during.length);
    expect(tail.length).toBeLessThanOrEqual(LOG_TAIL_BYTES);
    expect(tail.length).toBeGreaterThan(LOG_TAIL_BYTES - 100);
    expect(whole.endsWith(tail)).toBe(true);
    expect(tail.endsWith("line 039999 " + "x".repeat(38) + "\n")).toBe(true);
  });

  it("titles and complete's scope paths are redacted before they are stored", async () => {
    const s = scenario(await newStore());
    const job = await s.submit({ verify: "true" }, `deploy with ${TOKEN}`);
    const stored = (await s.ctx.store.getJob(job.id))!;
    expect(stored.title).toBe("deploy with [REDACTED:github-token]");
    expect(stored.body).not.toContain(TOKEN);
    const agent = await s.factory();
    const lease = (await agent.claim())!;
    await agent.complete(lease, {
      outcome: "succeeded",
      exitCode: 0,
      verify: { passed: true, exitCode: 0, output: "ok" },
      scope: { changed: [`src/${TOKEN}.txt`], outOfScope: [] },
    });
    const done = (await s.ctx.store.getJob(job.id))!;
    expect(JSON.stringify(done)).not.toContain(TOKEN);
    const events = await s.ctx.store.readEvents(job.id, 0, 1_000);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });
});
