import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, expect, it } from "vitest";
import { actOnJob } from "@/server/coordinator/actions";
import { scenario } from "@/server/coordinator/policies/scenario-harness";
import type { RestoreRecord, Store } from "@/server/store/port";
import { newJob } from "@/server/store/contract/fixtures";
import { forEachProvider } from "@/server/store/testing";
import { exportArchive, importArchive } from "./archive";

/**
 * Issue 13 §5 on both providers: `fleet archive` exports whole terminal jobs older than a date and
 * `fleet import-archive` restores them into an empty store with byte-identical job documents (and
 * runs, lease records, events, logs); a non-empty store, and every kind of broken archive, is
 * refused naming the line and field, with nothing written.
 */
const DAY = 86_400_000;
const ADMIN = { id: "admin@example.com", role: "admin" as const };
const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-archive-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fileName = () => path.join(dir, `a${++n}.jsonl.gz`);

/** Everything a store holds about a job, as the bytes its readers return. */
async function whole(store: Store, id: string): Promise<string[]> {
  return [
    JSON.stringify(await store.getJob(id)),
    JSON.stringify(await store.listRuns(id)),
    JSON.stringify(await store.listLeases(id)),
    JSON.stringify(await store.readEvents(id, 0, 10_000)),
    JSON.stringify(await store.readLog(id, 0, 10_000)),
  ];
}

/** A store with terminal jobs of every kind (two attempts, unicode logs, deps, a key) and some that must not be archived. */
async function populated(store: Store) {
  const s = scenario(store);
  const agents = [await s.factory("archiver")];
  const run = async (title: string, manifest: Record<string, unknown>, attempts: ("succeeded" | "failed")[], text: string) => {
    const job = await s.submit(manifest, title);
    for (const [i, outcome] of attempts.entries()) {
      const agent = agents[i]!;
      const lease = await agent.claim();
      expect(lease?.jobId, `${title}: attempt ${i + 1} is granted`).toBe(job.id);
      await agent.events(lease!, [
        { seq: 1, type: "log", stream: "stdout", text: `${text} attempt ${i + 1}\n` },
        { seq: 2, type: "log", stream: "stderr", text: "héllo ✓ \u001b[31mred\u001b[0m \"quoted\" \\ back\n" },
        { seq: 3, type: "cost", usd: 0.25, tokensIn: 10, tokensOut: 5 },
      ]);
      await agent.complete(lease!, { outcome, exitCode: outcome === "succeeded" ? 0 : 1 });
    }
    return job.id;
  };
  const shipped = await run("shipped", { engine: "shell", "idempotency-key": "archive/ship" }, ["succeeded"], "ship");
  await actOnJob(s.ctx, shipped, { action: "ship" }, ADMIN);
  // Two attempts (a lease-lost one, then one that ran), written with the store's own calls.
  const { job: twice } = await store.submitJob(newJob({ productId: "p1", title: "shipped on its second attempt", now: s.ctx.now() }));
  for (const [epoch, next] of [[1, "queued"], [2, "review"]] as const) {
    const leaseId = `L-${twice.id}-${epoch}`;
    const now = s.ctx.now() + epoch * 10;
    await store.claimJob({ jobId: twice.id, factoryId: agents[0]!.factoryId, engine: "shell", leaseId, ttlMs: 60_000, now });
    await store.appendLog(twice.id, { leaseId, epoch, now }, [{ seq: 1, stream: "stdout", text: `attempt ${epoch} ✓\n`, at: now }]);
    await store.appendEvents(twice.id, [{ type: "run:note", at: now, data: { epoch }, leaseId, agentSeq: 1 }], { leaseId, epoch, now });
    await store.completeAttempt({ leaseId, epoch, now: now + 1, result: { outcome: epoch === 1 ? "failed" : "succeeded", exitCode: epoch === 1 ? 1 : 0 }, next: { stage: next, countAttempt: true } });
  }
  await store.transitionStage(twice.id, { to: "shipped", now: s.ctx.now() + 100, event: { type: "stage:changed", at: s.ctx.now() + 100, data: { to: "shipped" } } });
  const dead = await run("dead-lettered", { engine: "shell" }, ["failed"], "dead");
  const cancelled = (await s.submit({ engine: "shell", deps: [shipped] }, "cancelled before it ran")).id;
  await actOnJob(s.ctx, cancelled, { action: "cancel", reason: "not needed" }, ADMIN);
  const inReview = await run("left in review", { engine: "shell" }, ["succeeded"], "review");
  const before = s.ctx.now() + 1_000;
  s.clock.advance(DAY);
  const recent = await run("shipped after the date", { engine: "shell" }, ["succeeded"], "recent");
  await actOnJob(s.ctx, recent, { action: "ship" }, ADMIN);
  return { archived: [shipped, dead, cancelled, twice.id], kept: [inReview, recent], before, now: s.ctx.now() };
}

async function* recordsOf(records: RestoreRecord[], thenFail?: Error): AsyncGenerator<RestoreRecord> {
  for (const r of records) yield r;
  if (thenFail) throw thenFail;
}

/** The archive's lines, edited, written back as a new gzip file. */
function edited(file: string, edit: (lines: string[]) => string[]): string {
  const lines = gunzipSync(readFileSync(file)).toString("utf8").trimEnd().split("\n");
  const out = fileName();
  writeFileSync(out, gzipSync(edit(lines).join("\n") + "\n"));
  return out;
}

forEachProvider(({ newStore }) => {
  it("an archive round trip restores byte-identical job documents, runs, lease records, events and logs", async () => {
    const source = await newStore();
    const { archived, kept, before, now } = await populated(source);
    const file = fileName();
    const progress: string[] = [];
    const out = await exportArchive(source, { before, file, now, progress: (m) => progress.push(m), progressEvery: 1 });
    expect(out).toMatchObject({ jobs: 4, runs: 4, skippedLeased: [] });
    expect(out.events).toBeGreaterThan(6);
    expect(out.logs).toBe(6);
    expect(progress.map((p) => /^archived (\d+) job\(s\): \d+ run\(s\), \d+ event\(s\), \d+ log chunk\(s\)$/.exec(p)?.[1])).toEqual(["1", "2", "3", "4"]);
    expect([...readFileSync(file).subarray(0, 2)]).toEqual([0x1f, 0x8b]); // gzip

    const target = await newStore();
    const restored = await importArchive(target, { file, progress: () => undefined });
    expect(restored).toEqual({ jobs: 4, runs: 4, events: out.events, logs: 6 });
    for (const id of archived) {
      const [a, b] = [await whole(source, id), await whole(target, id)];
      expect(b[0], `job document of ${id}`).toBe(a[0]);
      expect(b, `everything of ${id}`).toEqual(a);
      expect(JSON.parse(b[0]!)).toMatchObject({ id });
    }
    for (const id of kept) expect(await target.getJob(id), `${id} is not archived`).toBeUndefined();
    // The restored store keeps working: the key still finds the job, the dependent still names it.
    expect((await target.getJobByKey("p1", "archive/ship"))?.id).toBe(archived[0]);
    expect((await target.listDependents(archived[0]!)).map((j) => j.id)).toEqual([archived[2]]);

    // A second import into the now non-empty store is refused and changes nothing.
    await expect(importArchive(target, { file })).rejects.toThrow(/already has jobs/);
    for (const id of archived) expect(await whole(target, id)).toEqual(await whole(source, id));
  }, 180_000);

  it("a failure part-way through a restore leaves the store empty (all or nothing)", async () => {
    const source = await newStore();
    const { before, now } = await populated(source);
    const file = fileName();
    await exportArchive(source, { before, file, now });
    const lines = gunzipSync(readFileSync(file)).toString("utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { kind: string });
    const records = lines.filter((l) => l.kind !== "fleet-archive" && l.kind !== "end") as RestoreRecord[];
    const target = await newStore();
    await expect(target.restoreJobs(recordsOf(records, new Error("the disk went away")))).rejects.toThrow(/the disk went away/);
    expect(await target.countJobsByStage()).toEqual({});
    for (const r of records.filter((r) => r.kind === "job")) {
      const id = (r as Extract<RestoreRecord, { kind: "job" }>).job.id;
      expect(await target.readEvents(id, 0, 100)).toEqual([]);
      expect(await target.readLog(id, 0, 100)).toEqual([]);
      expect(await target.listRuns(id)).toEqual([]);
    }
    // A taken id fails the same way: the first job is restored once, then the second copy conflicts.
    const firstJob = records.find((r) => r.kind === "job")!;
    await expect(target.restoreJobs(recordsOf([...records, firstJob]))).rejects.toMatchObject({ code: "conflict" });
    expect(await target.countJobsByStage()).toEqual({});
    // And then the whole archive still restores.
    expect(await target.restoreJobs(recordsOf(records))).toBe(4);
  }, 180_000);

  it("refuses a broken or hostile archive naming the line and the field, and writes nothing", async () => {
    const source = await newStore();
    const { before, now } = await populated(source);
    const good = fileName();
    await exportArchive(source, { before, file: good, now });
    const jobLine = (lines: string[]) => lines.findIndex((l) => l.startsWith('{"kind":"job"'));
    const patchJob = (patch: (job: Record<string, unknown>) => void) => (lines: string[]) => {
      const i = jobLine(lines);
      const rec = JSON.parse(lines[i]!) as { job: Record<string, unknown> };
      patch(rec.job);
      lines[i] = JSON.stringify(rec);
      return lines;
    };
    const cases: [string, string, RegExp][] = [
      ["not terminal", edited(good, patchJob((j) => (j.stage = "queued"))), /^line 2: job\.stage: only terminal jobs are archived/m],
      ["a reserved field", edited(good, patchJob((j) => (j.x_prunedLogs = true))), /^line 2: job\.x_prunedLogs: a field starting with _ or x_ is reserved/m],
      ["a lease", edited(good, patchJob((j) => (j.lease = { id: "L", epoch: 1 }))), /^line 2: job\.lease: the job holds a lease/m],
      ["a secret", edited(good, patchJob((j) => ((j.manifest as Record<string, unknown>).verify = "echo AKIAIOSFODNN7EXAMPLE"))), /^line 2: job\.manifest\.verify: the value looks like/m],
      ["a wrong type", edited(good, patchJob((j) => (j.version = "7"))), /^line 2: job\.version: /m],
      ["an unknown kind", edited(good, (l) => [l[0]!, '{"kind":"jobb"}', ...l.slice(1)]), /^line 2: kind: kind must be job, run, event, log or end/m],
      ["not JSON", edited(good, (l) => [l[0]!, "{nope", ...l.slice(1)]), /^line 2: \(line\): not JSON/m],
      ["cut short", edited(good, (l) => l.slice(0, -1)), /ends without its end line/],
      ["counts that disagree", edited(good, (l) => [...l.slice(0, -2), l[l.length - 1]!]), /^line \d+: (logs|events): the end line says \d+, the archive holds \d+/m],
      ["a record of another job", edited(good, (l) => {
        const i = l.findIndex((x) => x.startsWith('{"kind":"log"'));
        const rec = JSON.parse(l[i]!) as { log: { jobId: string } };
        rec.log.jobId = "j-someone-else";
        l[i] = JSON.stringify(rec);
        return l;
      }), /^line \d+: log\.jobId: is j-someone-else, but this part of the archive belongs to job/m],
      ["a job twice", edited(good, (l) => [l[0]!, l[jobLine(l)]!, ...l.slice(1)]), /^line 3: job\.id: job \S+ appears twice/m],
      ["no header", edited(good, (l) => l.slice(1)), /^line 1: kind: /m],
    ];
    const notGzip = fileName();
    writeFileSync(notGzip, '{"kind":"fleet-archive"}\n');
    cases.push(["not gzip", notGzip, /not a gzip file/]);
    const target = await newStore();
    for (const [what, file, message] of cases) {
      await expect(importArchive(target, { file }), what).rejects.toThrow(message);
      expect(await target.countJobsByStage(), what).toEqual({});
    }
    // The good one still imports into the same (still empty) store.
    expect((await importArchive(target, { file: good })).jobs).toBe(4);
  }, 180_000);
});
