/**
 * Delivery cannot wedge: batches are cut by bytes, a refused batch is split (never re-sent as is
 * forever), one event refused on its own is dropped and the rest still arrives, and a transient
 * failure keeps the batch for the next try.
 */
import { describe, expect, it } from "vitest";
import type { AgentEvent } from "@/lib/protocol";
import { RejectedError, TransientError } from "./errors";
import { EventStream } from "./event-stream";

function stream(post: (events: AgentEvent[]) => Promise<void>, batchBytes?: number) {
  const dropped: AgentEvent[] = [];
  const s = new EventStream({ post, onLeaseLost: () => {}, onDropped: (e) => dropped.push(e), flushMs: 5, ...(batchBytes ? { batchBytes } : {}) });
  return { s, dropped };
}

const log = (text: string) => ({ type: "log", stream: "stdout", text }) as const;

describe("event stream delivery", () => {
  it("cuts batches by JSON bytes so each body fits the budget, and delivers everything in order", async () => {
    const bodies: number[] = [];
    const got: number[] = [];
    const { s } = stream(async (events) => {
      bodies.push(Buffer.byteLength(JSON.stringify({ epoch: 1, events })));
      got.push(...events.map((e) => e.seq));
    }, 64 * 1024);
    for (let i = 0; i < 60; i++) s.push(log("x".repeat(10_000)));
    expect(await s.close(10_000)).toBe(true);
    expect(got).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(Math.max(...bodies)).toBeLessThanOrEqual(64 * 1024);
    expect(bodies.length).toBeGreaterThan(1);
  });

  it("a batch refused as too large is split, not re-sent as is; an event refused alone is dropped and the later ones arrive", async () => {
    const got: number[] = [];
    const attempts: number[] = [];
    const { s, dropped } = stream(async (events) => {
      attempts.push(events.length);
      // a proxy in front with a smaller limit: more than 4 events is "too large"; seq 7 is refused always
      if (events.length > 4) throw new RejectedError("413 payload too large", 413);
      if (events.some((e) => e.seq === 7)) throw new RejectedError("400 bad event", 400);
      got.push(...events.map((e) => e.seq));
    });
    for (let i = 0; i < 20; i++) s.push(log(`line ${i}\n`));
    expect(await s.close(10_000)).toBe(true);
    expect(dropped.map((e) => e.seq)).toEqual([7]);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i + 1).filter((n) => n !== 7));
    // bounded work: no batch of more than 4 was tried after the first refusal of each round
    expect(attempts.filter((n) => n > 4).length).toBeLessThanOrEqual(3);
  });

  it("a transient failure keeps the batch: the same seqs are re-sent and nothing is lost", async () => {
    const got: number[] = [];
    let fail = 3;
    const { s, dropped } = stream(async (events) => {
      if (fail-- > 0) throw new TransientError("503");
      got.push(...events.map((e) => e.seq));
    });
    for (let i = 0; i < 5; i++) s.push(log(`l${i}\n`));
    expect(await s.close(20_000)).toBe(true);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(dropped).toEqual([]);
  });
});
