import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LeaseLostError, TransientError } from "../net/errors";
import { Outbox } from "./outbox";
import { OutboxClient } from "./outbox-client";
import { replayOutbox } from "./replay";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function outbox(log: string[] = []) {
  const d = mkdtempSync(path.join(os.tmpdir(), "outbox-"));
  dirs.push(d);
  return new Outbox(path.join(d, "a.outbox"), (m) => log.push(m));
}
const complete = { epoch: 1, outcome: "succeeded" as const, exitCode: 0 };

describe("the agent's outbox", () => {
  it("keeps entries in the order written, and a malformed file is moved aside without blocking the rest", () => {
    const log: string[] = [];
    const o = outbox(log);
    o.append({ kind: "events", leaseId: "L1", epoch: 1, events: [{ seq: 1, type: "stage", stage: "building" }] });
    const bad = o.append({ kind: "complete", leaseId: "L1", body: complete });
    writeFileSync(path.join(o.dir, bad), "{ not json");
    o.append({ kind: "complete", leaseId: "L2", body: { ...complete, outcome: "failed" } });
    const entries = o.list();
    expect(entries.map((e) => [e.kind, e.leaseId])).toEqual([
      ["events", "L1"],
      ["complete", "L2"],
    ]);
    expect(readdirSync(path.join(o.dir, "rejected"))).toEqual([bad, `${bad}.why.txt`]);
    expect(readFileSync(path.join(o.dir, "rejected", `${bad}.why.txt`), "utf8")).toMatch(/not JSON/);
    expect(log.join("\n")).toMatch(new RegExp(`${bad} is malformed .*moved to .*rejected`));
    // A well-formed JSON file of the wrong shape names the field.
    writeFileSync(path.join(o.dir, "000000000000001-000001.json"), JSON.stringify({ kind: "complete", leaseId: "L3", body: { epoch: 1, outcome: "exploded" } }));
    o.list();
    expect(readFileSync(path.join(o.dir, "rejected", "000000000000001-000001.json.why.txt"), "utf8")).toMatch(/^body\.outcome: /);
  });

  it("writes before sending, keeps what could not be sent, drops what the coordinator refused", async () => {
    const o = outbox();
    let down = true;
    const sent: string[] = [];
    const inner = {
      renew: async () => ({ expiresAt: "" }),
      uploadArtifactChunk: async () => ({ received: 0, committed: false }) as never,
      events: async (leaseId: string) => {
        // Written durably before the request leaves.
        expect(o.list().some((e) => e.kind === "events" && e.leaseId === leaseId)).toBe(true);
        if (down) throw new TransientError("unreachable");
        sent.push(`events ${leaseId}`);
      },
      complete: async (leaseId: string) => {
        if (leaseId === "gone") throw new LeaseLostError(leaseId, "lease_lost");
        if (down) throw new TransientError("unreachable");
        sent.push(`complete ${leaseId}`);
      },
    };
    const c = new OutboxClient(inner, o);
    const batch = [{ seq: 1, type: "log" as const, stream: "stdout" as const, text: "hi" }];
    await expect(c.events("L1", 1, batch)).rejects.toThrow(TransientError);
    await expect(c.events("L1", 1, batch)).rejects.toThrow(TransientError); // the stream's retry: same batch, one entry
    c.stash("L1", 1, [...batch, { seq: 2, type: "log", stream: "stdout", text: "more" }]);
    await expect(c.complete("L1", complete)).rejects.toThrow(TransientError);
    await expect(c.complete("gone", complete)).rejects.toThrow(LeaseLostError);
    expect(o.list().map((e) => (e.kind === "events" ? `events ${e.events.map((x) => x.seq).join(",")}` : `complete ${e.leaseId}`))).toEqual(["events 1", "events 2", "complete L1"]);

    down = false;
    const r = await replayOutbox(o, inner, { skip: () => false, log: () => {} });
    expect(r).toEqual({ sent: 3, dropped: 0, waiting: 0 });
    expect(sent).toEqual(["events L1", "events L1", "complete L1"]);
    expect(o.list()).toEqual([]);
  });

  it("a replay stops at the first entry it cannot deliver, so a completion never overtakes its events", async () => {
    const o = outbox();
    o.append({ kind: "events", leaseId: "L1", epoch: 1, events: [{ seq: 1, type: "stage", stage: "building" }] });
    o.append({ kind: "complete", leaseId: "L1", body: complete });
    o.append({ kind: "complete", leaseId: "L9", body: complete });
    const calls: string[] = [];
    const client = {
      events: async () => {
        calls.push("events");
        throw new TransientError("down");
      },
      complete: async () => {
        calls.push("complete");
      },
    };
    expect(await replayOutbox(o, client, { skip: (l) => l === "L9", log: () => {} })).toEqual({ sent: 0, dropped: 0, waiting: 2 });
    expect(calls).toEqual(["events"]);
    expect(o.list()).toHaveLength(3);
  });
});
