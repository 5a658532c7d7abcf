/**
 * Issue 17, Done-when 2 (third part), with real processes: a long outage. The BUILT agent runs with
 * `--server URL --fallback DIR --fallback-after 1s --max 1` through a TCP link the test cuts. While
 * cut off it runs inbox work; when the link is back, every folder result is reconciled, the jobs
 * still waiting in DIR/inbox are handed over to the coordinator (and run there), one whose key is
 * taken by other content is refused and kept in DIR/failed with the reason, and nothing executes
 * twice: each job appends its name to one file outside its checkout (hence --isolation none), and
 * the test counts the lines.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startAgent } from "../../agent/test/agent-process";
import { call, submitJob } from "../harness/factory";
import { offlineKit } from "./kit";
import type { Link } from "./link";
import { until } from "./until";

const kit = offlineKit(30_000);
const s = kit.sandbox();
let link: Link;



describe.skipIf(process.platform === "win32")("a long outage with --fallback DIR", () => {
  it("runs inbox work while cut off; on reconnect every result is reconciled, waiting inbox jobs are handed over, and nothing executes twice", async () => {
    link = await kit.link();
    const dir = path.join(s.dir, "queue");
    const ran = path.join(s.dir, "executions.log");
    const count = () => (existsSync(ran) ? readFileSync(ran, "utf8").trim().split("\n").filter(Boolean) : []).reduce<Record<string, number>>((m, l) => ({ ...m, [l]: (m[l] ?? 0) + 1 }), {});
    const job = (name: string, extra = "", script = "") => `---\nengine: shell\n${extra}---\n# ${name}\n\necho ${name} >> ${ran}\n${script}\n`;
    const drop = (name: string, text: string) => writeFileSync(path.join(dir, "inbox", `${name}.md`), text);
    const agent = startAgent({
      server: link.url,
      token: kit.app().enrollmentToken,
      name: "outage-1",
      sandbox: s,
      args: ["--engines", "shell", "--max", "1", "--isolation", "none", "--fallback", dir, "--fallback-after", "1s"],
      env: { FLEET_AGENT_OFFLINE_POLL_MS: "200" },
    });
    // Known online before the outage, under a key the folder will later see with other content.
    const keyed = await submitJob(kit.app().url, kit.app().adminToken, job("keyed", "idempotency-key: outage-key\n"));
    await until("the keyed job ran online", () => kit.jobOf(keyed.id), (j) => j.stage === "review", agent);

    link.cut();
    mkdirSync(path.join(dir, "inbox"), { recursive: true });
    drop("o1", job("o1", 'verify: "true"\n'));
    drop("o2", job("o2"));
    await until("o1 and o2 ran on the folder", () => existsSync(path.join(dir, "testing", "o1.result.json")) && existsSync(path.join(dir, "review", "o2.result.json")), (v) => v, agent);
    // The long one holds the only station (--max 1), so what is dropped next waits in the inbox.
    drop("o3-slow", job("o3-slow", "", "until [ -f " + path.join(s.dir, "go") + " ]; do sleep 0.05; done"));
    await until("o3-slow is building", () => existsSync(path.join(dir, "building", "o3-slow.md")), (v) => v, agent);
    drop("w1", job("w1"));
    drop("w2", job("w2", 'verify: "true"\n'));
    drop("w-clash", job("keyed", "idempotency-key: outage-key\n", "echo other content"));
    expect(count()).toEqual({ keyed: 1, o1: 1, o2: 1 });

    link.restore();
    await until("back online", () => agent.stderr(), (t) => /answers again/.test(t), agent);
    writeFileSync(path.join(s.dir, "go"), "");

    // Every folder result reconciled: a job with its one attempt, in the stage the rules give.
    for (const [stage, stem] of [["testing", "o1"], ["review", "o2"], ["review", "o3-slow"]] as const) {
      const file = path.join(dir, stage, `${stem}.reconciled.json`);
      await until(`${stem} reconciled`, () => existsSync(file), (v) => v, agent);
      const rec = JSON.parse(readFileSync(file, "utf8"));
      expect(rec, stem).toMatchObject({ stage, duplicate: false });
      const j = await kit.jobOf(rec.jobId);
      expect(j.stage, stem).toBe(stage);
      expect(j.runs, stem).toHaveLength(1);
    }
    // The waiting jobs left the inbox for the coordinator, which ran them (on this factory, online).
    for (const [stem, stage] of [["w1", "review"], ["w2", "testing"]] as const) {
      const file = path.join(dir, "submitted", `${stem}.submitted.json`);
      await until(`${stem} handed over`, () => existsSync(file), (v) => v, agent);
      const handed = JSON.parse(readFileSync(file, "utf8"));
      expect(handed.duplicate, stem).toBe(false);
      const j = await until(`${stem} ran online`, () => kit.jobOf(handed.jobId), (v) => v.stage === stage, agent);
      expect(j.runs, stem).toHaveLength(1);
      expect(existsSync(path.join(dir, "inbox", `${stem}.md`)), stem).toBe(false);
    }
    // Same key, other content: refused, kept in DIR/failed with the reason; nothing ran.
    const why = path.join(dir, "failed", "w-clash.reconcile-error.txt");
    await until("the clash is refused", () => existsSync(why), (v) => v, agent);
    expect(readFileSync(why, "utf8")).toMatch(/409.*idempotency key "outage-key" was used for different content/);
    expect(existsSync(path.join(dir, "failed", "w-clash.md"))).toBe(true);
    expect((await kit.jobOf(keyed.id)).runs).toHaveLength(1);

    // Nothing executed twice, and nothing is left to run anywhere.
    await until("every job ran", count, (c) => Object.keys(c).length === 6, agent);
    expect(count()).toEqual({ keyed: 1, o1: 1, o2: 1, "o3-slow": 1, w1: 1, w2: 1 });
    const queued = (await call(`${kit.app().url}/api/fleet/jobs?limit=100`, { token: kit.app().adminToken })).body.items.filter((j: { stage: string }) => ["queued", "assigned", "building"].includes(j.stage));
    expect(queued).toEqual([]);
  }, 120_000);

  it("--offline-only: jobs waiting in the inbox stay there when the coordinator is back", async () => {
    link = await kit.link();
    const dir = path.join(s.dir, "queue-only");
    const agent = startAgent({
      server: link.url,
      token: kit.app().enrollmentToken,
      name: "outage-2",
      sandbox: s,
      args: ["--engines", "shell", "--max", "1", "--fallback", dir, "--fallback-after", "1s", "--offline-only"],
      env: { FLEET_AGENT_OFFLINE_POLL_MS: "200" },
    });
    await until("registered", () => agent.stderr(), (t) => /registered as/.test(t), agent);
    link.cut();
    mkdirSync(path.join(dir, "inbox"), { recursive: true });
    writeFileSync(path.join(dir, "inbox", "ran.md"), "---\nengine: shell\n---\n# ran\n\necho ran\n");
    await until("ran on the folder", () => existsSync(path.join(dir, "review", "ran.result.json")), (v) => v, agent);
    // Waits: its dependency is nowhere in the folder, so the folder cannot run it.
    writeFileSync(path.join(dir, "inbox", "waits.md"), "---\nengine: shell\ndeps: [not-here]\n---\n# waits\n\necho waits\n");
    await until("the folder saw it wait", () => agent.stderr(), (t) => /waits\.md: not now/.test(t), agent);
    link.restore();
    await until("reconciled", () => existsSync(path.join(dir, "review", "ran.reconciled.json")), (v) => v, agent);
    // The round that reconciled would have handed the inbox over next; it kept it and said so.
    await until("kept local", () => agent.stderr(), (t) => /--offline-only: 1 job\(s\) stay in .*inbox/.test(t), agent);
    expect(existsSync(path.join(dir, "inbox", "waits.md"))).toBe(true);
    expect(existsSync(path.join(dir, "submitted"))).toBe(false);
  }, 90_000);
});
