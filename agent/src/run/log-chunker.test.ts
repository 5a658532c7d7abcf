import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AgentEvent } from "@/lib/protocol";
import { EventStream } from "../net/event-stream";
import { LeaseLostError, TransientError } from "../net/errors";
import { LogChunker } from "./log-chunker";

// A GitHub token shape the shared secret detector knows (built at runtime so no scanner flags this file).
const SECRET = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";

function setup(post: (e: AgentEvent[]) => Promise<void> = async () => {}) {
  const sent: AgentEvent[][] = [];
  const lost: string[] = [];
  const stream = new EventStream({
    post: async (e) => {
      await post(e);
      sent.push(e);
    },
    onLeaseLost: (e) => lost.push(e.code),
  });
  const chunker = new LogChunker(stream);
  return { stream, chunker, sent, lost, all: () => sent.flat() };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("log chunker + event stream", () => {
  it("numbers events 1, 2, 3… and ships output within 250 ms ticks", async () => {
    const { stream, chunker, sent, all } = setup();
    stream.start();
    stream.push({ type: "stage", stage: "building" });
    chunker.write("stdout", "hello\n");
    chunker.write("stderr", "warn\n");
    await vi.advanceTimersByTimeAsync(250);
    // held back by the redactor for one quiet tick at most, then released
    await vi.advanceTimersByTimeAsync(250);
    const events = all();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ seq: 1, type: "stage" });
    const text = (s: string) => events.filter((e) => e.type === "log" && e.stream === s).map((e) => (e as { text: string }).text).join("");
    expect(text("stdout")).toBe("hello\n");
    expect(text("stderr")).toBe("warn\n");
    expect(sent.length).toBeGreaterThanOrEqual(1);
    await stream.close();
  });

  it("never ships a planted secret, even split across chunks", async () => {
    const { stream, chunker, all } = setup();
    stream.start();
    chunker.write("stdout", `token is ${SECRET.slice(0, 10)}`);
    chunker.write("stdout", `${SECRET.slice(10)} ok\n`);
    chunker.write("stdout", `export GITHUB_TOKEN=${SECRET}\n`);
    await vi.advanceTimersByTimeAsync(1000);
    chunker.end();
    await stream.close();
    const shipped = JSON.stringify(all());
    expect(shipped).not.toContain(SECRET);
    expect(shipped).not.toContain(SECRET.slice(4, 20));
    expect(shipped).toContain("ok");
    expect(shipped).toContain("[REDACTED");
  });

  it("splits long output at the protocol limit and keeps order", async () => {
    const { stream, chunker, all } = setup();
    const big = "x".repeat(40_000) + "\n";
    chunker.write("stdout", big);
    chunker.end();
    await stream.close();
    const logs = all().filter((e) => e.type === "log") as { text: string }[];
    expect(logs.length).toBeGreaterThanOrEqual(3);
    expect(logs.every((l) => l.text.length <= 16_384)).toBe(true);
    expect(logs.map((l) => l.text).join("")).toBe(big);
  });

  it("retries a failed batch with the same seqs, and stops on lease loss", async () => {
    let calls = 0;
    const { stream, all } = setup(async () => {
      calls++;
      if (calls === 1) throw new TransientError("down");
    });
    stream.push({ type: "stage", stage: "building" });
    await stream.flush();
    expect(all()).toEqual([]);
    await stream.flush();
    expect(all().map((e) => e.seq)).toEqual([1]);

    const { stream: s2, lost, all: all2 } = setup(async () => {
      throw new LeaseLostError("l1", "lease_lost");
    });
    s2.push({ type: "stage", stage: "building" });
    expect(await s2.close()).toBe(false);
    expect(lost).toEqual(["lease_lost"]);
    s2.push({ type: "stage", stage: "building" });
    expect(all2()).toEqual([]);
  });
});
