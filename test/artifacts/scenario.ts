/**
 * The artifact scenario of issue 15 §6, shared by the local-directory and the Azurite suites: a real
 * agent (the built bundle, a child process) runs a shell job in a git worktree that writes a PNG and
 * declares it as an artifact; after the run, with the worktree gone, the PNG comes back from the
 * download route byte-identical, and the run's record names the stored artifact, not a factory path.
 *
 * The coordinator is the app's real route handlers in this process (test/harness/in-process.ts),
 * with a real SQLite store and the artifact store the caller's settings choose.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as jobArtifactRoute from "@/app/api/fleet/jobs/[id]/artifacts/[...name]/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as leaseArtifactRoute from "@/app/api/fleet/leases/[id]/artifacts/[...name]/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as eventsRoute from "@/app/api/fleet/leases/[id]/events/route";
import * as renewRoute from "@/app/api/fleet/leases/[id]/renew/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import { call, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { agentSandbox, buildAgent, killAllAgents, startAgent } from "../../agent/test/agent-process";

/** The bytes the job's script writes: a PNG signature, a few raw bytes (NUL, 0xff), then 1.7 MB of `seq`. */
export function expectedPng(): Buffer {
  const head = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x01, 0xff]);
  return Buffer.concat([head, Buffer.from(Array.from({ length: 250_000 }, (_, i) => `${i + 1}\n`).join(""))]);
}

const SCRIPT = ["mkdir -p screenshots", "{ printf '\\211PNG\\r\\n\\032\\n\\000\\001\\377'; seq 1 250000; } > screenshots/home.png", "echo shot taken"].join("\n");

function filesNamed(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const full = path.join(dir, n);
    const st = statSync(full, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...filesNamed(full, name));
    else if (n === name) out.push(full);
  }
  return out;
}

export function artifactScenario(title: string, settings: () => Promise<Record<string, string>>, after?: () => Promise<void>): void {
  let app: InProcessApp;
  const sandboxes: ReturnType<typeof agentSandbox>[] = [];

  beforeAll(async () => {
    buildAgent();
    app = await startInProcess(await settings(), [
      factoriesRoute,
      heartbeatRoute,
      claimRoute,
      renewRoute,
      eventsRoute,
      completeRoute,
      leaseArtifactRoute,
      jobsRoute,
      jobRoute,
      jobArtifactRoute,
    ]);
  }, 120_000);
  afterEach(async () => {
    await killAllAgents();
  });
  afterAll(async () => {
    await app?.stop();
    await after?.();
    for (const s of sandboxes) s.cleanup();
  });

  describe.skipIf(process.platform === "win32")(title, () => {
    it("a screenshot written in the worktree is uploaded, and served byte-identical after the worktree is gone", async () => {
      const s = agentSandbox();
      sandboxes.push(s);
      const repo = path.join(s.dir, "origin");
      mkdirSync(repo, { recursive: true });
      writeFileSync(path.join(repo, "README.md"), "app\n");
      const g = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...a], { cwd: repo });
      g("init", "-q", "-b", "main");
      g("add", "-A");
      g("commit", "-q", "-m", "init");

      const agent = startAgent({ server: app.url, token: app.enrollmentToken, name: "art-agent", sandbox: s, args: ["--engines", "shell"] });
      const job = await submitJob(app.url, app.adminToken, `---\nengine: shell\nrepo: ${repo}\nartifacts: [screenshots]\n---\n# take a screenshot\n\n${SCRIPT}\n`);
      const end = Date.now() + 60_000;
      let view: { stage: string; runs?: { attempt: number; endedAt?: string; artifacts?: Record<string, unknown>[] }[] } | undefined;
      for (;;) {
        view = (await call(`${app.url}/api/fleet/jobs/${job.id}`, { token: app.adminToken })).body;
        if (view?.runs?.[0]?.endedAt) break;
        if (Date.now() > end) throw new Error(`the job did not finish: ${JSON.stringify(view)}\n${agent.stderr()}`);
        await new Promise((r) => setTimeout(r, 150));
      }
      expect(view!.stage, agent.stderr()).toBe("review");
      const shot = view!.runs![0]!.artifacts!.find((a) => a.name === "screenshots/home.png");
      expect(shot, JSON.stringify(view!.runs![0])).toEqual({ name: "screenshots/home.png", kind: "file", size: expectedPng().byteLength, stored: true, contentType: "image/png" });
      // The worktree is gone: the bytes exist nowhere on the factory any more.
      await new Promise((r) => setTimeout(r, 300));
      expect(filesNamed(s.workdir, "home.png")).toEqual([]);

      const r = await fetch(`${app.url}/api/fleet/jobs/${job.id}/artifacts/${encodeURIComponent("screenshots/home.png")}`, { headers: { authorization: `Bearer ${app.adminToken}` } });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("image/png");
      const bytes = Buffer.from(await r.arrayBuffer());
      expect(bytes.byteLength).toBe(expectedPng().byteLength);
      expect(bytes.equals(expectedPng())).toBe(true);
    });
  });
}
