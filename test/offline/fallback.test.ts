/**
 * Issue 17 §2, with real processes: `fleet-agent --server URL --fallback DIR --fallback-after 1s`
 * (the built bundle) against the app's real route handlers through a TCP link the test cuts. While
 * the link is down the factory runs DIR/inbox work, the lease it held when the link went down is
 * finished and reported once (never claimed twice), and when the link is back it claims again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startAgent } from "../../agent/test/agent-process";
import { submitJob } from "../harness/factory";
import { offlineKit } from "./kit";
import type { Link } from "./link";
import { until } from "./until";

const kit = offlineKit(30_000);
const s = kit.sandbox();
let link: Link;



describe.skipIf(process.platform === "win32")("--fallback DIR", () => {
  it("runs inbox work while the coordinator is unreachable, finishes the lease it held, claims again once it answers, and reconciles every folder result (recorded, duplicate, refused)", async () => {
    link = await kit.link();
    const dir = path.join(s.dir, "queue");
    const agent = startAgent({
      server: link.url,
      token: kit.app().enrollmentToken,
      name: "fb-1",
      sandbox: s,
      args: ["--engines", "shell:3", "--max", "3", "--fallback", dir, "--fallback-after", "1s"],
      env: { FLEET_AGENT_OFFLINE_POLL_MS: "200" },
    });
    const held = await submitJob(kit.app().url, kit.app().adminToken, `---\nengine: shell\n---\n# held\n\necho held-start\nsleep 3\necho held-done\n`);
    // Known online before the outage: the same file run offline is a duplicate; other content under its key is refused.
    const dupText = `---\nengine: shell\nidempotency-key: dup-key\n---\n# dup\n\necho dup\n`;
    const online = await submitJob(kit.app().url, kit.app().adminToken, dupText);
    await until("building", () => kit.jobOf(held.id), (j) => j.stage === "building", agent);
    await until("the online twin ran", () => kit.jobOf(online.id), (j) => j.stage === "review", agent);
    link.cut();
    mkdirSync(path.join(dir, "inbox"), { recursive: true });
    writeFileSync(path.join(dir, "inbox", "offline-1.md"), `---\nengine: shell\nverify: "true"\n---\n# offline work\n\necho offline work\n`);
    writeFileSync(path.join(dir, "inbox", "offline-dup.md"), dupText);
    writeFileSync(path.join(dir, "inbox", "offline-clash.md"), dupText.replace("echo dup", "echo something else"));
    await until("the folder job ran", () => existsSync(path.join(dir, "testing", "offline-1.md")), (v) => v, agent);
    await until("the folder twins ran", () => existsSync(path.join(dir, "review", "offline-dup.md")) && existsSync(path.join(dir, "review", "offline-clash.md")), (v) => v, agent);
    const result = JSON.parse(readFileSync(path.join(dir, "testing", "offline-1.result.json"), "utf8"));
    expect(result).toMatchObject({ outcome: "succeeded", exitCode: 0, stage: "testing", stages: ["review", "testing"] });
    expect(agent.stderr()).toMatch(/unreachable for \d+ s: taking work from .*inbox/);

    link.restore();
    const done = await until("the held lease is reported", () => kit.jobOf(held.id), (j) => j.stage === "review", agent);
    expect(done.runs).toHaveLength(1); // never claimed twice
    expect((await kit.eventsOf(held.id)).filter((e) => e.type === "run:completed")).toHaveLength(1);
    await until("back online", () => agent.stderr(), (t) => /answers again/.test(t), agent);

    // Reconciled: the folder run is a job with a completed attempt in the stage the rules give.
    const rec = await until("reconciled", () => existsSync(path.join(dir, "testing", "offline-1.reconciled.json")), (v) => v, agent);
    expect(rec).toBe(true);
    const imported = JSON.parse(readFileSync(path.join(dir, "testing", "offline-1.reconciled.json"), "utf8"));
    expect(imported).toMatchObject({ stage: "testing", duplicate: false });
    const importedJob = await kit.jobOf(imported.jobId);
    expect(importedJob.stage).toBe("testing");
    expect(importedJob.runs).toHaveLength(1);
    await until("duplicate attached", () => existsSync(path.join(dir, "review", "offline-dup.reconciled.json")), (v) => v, agent);
    expect(JSON.parse(readFileSync(path.join(dir, "review", "offline-dup.reconciled.json"), "utf8"))).toEqual({ jobId: online.id, stage: "review", duplicate: true });
    expect((await kit.jobOf(online.id)).runs).toHaveLength(1); // nothing ran again
    await until("clash refused", () => existsSync(path.join(dir, "failed", "offline-clash.reconcile-error.txt")), (v) => v, agent);
    expect(readFileSync(path.join(dir, "failed", "offline-clash.reconcile-error.txt"), "utf8")).toMatch(/409.*idempotency key "dup-key" was used for different content/);
    expect(existsSync(path.join(dir, "failed", "offline-clash.md"))).toBe(true);

    const next = await submitJob(kit.app().url, kit.app().adminToken, `---\nengine: shell\n---\n# after\n\necho online again\n`);
    await until("claimed from the coordinator again", () => kit.jobOf(next.id), (j) => j.stage === "review", agent);
    // The folder runs nothing more after the switch back: a job dropped in its inbox now is handed
    // over to the coordinator (it leaves the inbox for submitted/) and runs online.
    writeFileSync(path.join(dir, "inbox", "offline-2.md"), `---\nengine: shell\n---\n# later\n\necho later\n`);
    const handed = path.join(dir, "submitted", "offline-2.submitted.json");
    await until("handed over", () => existsSync(handed), (v) => v, agent);
    const later = JSON.parse(readFileSync(handed, "utf8"));
    await until("the handed-over job ran online", () => kit.jobOf(later.jobId), (j) => j.stage === "review", agent);
    expect(existsSync(path.join(dir, "inbox", "offline-2.md"))).toBe(false);
    expect(["review", "testing", "failed"].some((st) => existsSync(path.join(dir, st, "offline-2.result.json")))).toBe(false);
  }, 90_000);
});
