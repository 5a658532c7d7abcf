/**
 * What the offline-edge suites share: one in-process app (real route handlers, real SQLite, real
 * sweeper) with the lease timings a suite picks, a cuttable TCP link in front of it, agent
 * sandboxes, and reads of a job. Each suite file gets its own app, because the app's settings are
 * the process environment (test/harness/in-process.ts): a lease that must outlive a cut and one
 * that must be reaped during a cut cannot share a file.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { agentSandbox, buildAgent, killAllAgents } from "../../agent/test/agent-process";
import { call, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { startLink, type Link } from "./link";
import { OFFLINE_EDGE_ROUTES } from "./routes";

export type Sandbox = ReturnType<typeof agentSandbox>;
/** the job view's fields these suites read (the rest of the body passes through) */
type JobBody = { stage: string; runs: { leaseId: string }[]; lease?: { id: string } } & Record<string, unknown>;
type Ev = { type: string; leaseId?: string; data: Record<string, unknown> };

export interface OfflineKit {
  app(): InProcessApp;
  /** a fresh link to the app; closed after the test */
  link(): Promise<Link>;
  sandbox(): Sandbox;
  /** submit a shell job running `body`; cancelled after the test so the next agent claims its own */
  submit(body: string, manifestExtra?: string): Promise<{ id: string; stage: string }>;
  jobOf(id: string): Promise<JobBody>;
  eventsOf(id: string): Promise<Ev[]>;
  outboxFiles(s: Sandbox, agentName: string): string[];
}

export function offlineKit(leaseTtlMs: number): OfflineKit {
  let app: InProcessApp;
  const links: Link[] = [];
  const sandboxes: Sandbox[] = [];
  const submitted: string[] = [];

  beforeAll(async () => {
    buildAgent();
    app = await startInProcess({ FLEET_LEASE_TTL_MS: String(leaseTtlMs), FLEET_HEARTBEAT_MS: "300", FLEET_SWEEP_MS: "150" }, OFFLINE_EDGE_ROUTES);
  }, 120_000);
  afterEach(async () => {
    await killAllAgents();
    for (const l of links.splice(0)) await l.close();
    for (const id of submitted.splice(0)) await call(`${app.url}/api/fleet/jobs/${id}/actions`, { token: app.adminToken, json: { action: "cancel" } });
  });
  afterAll(async () => {
    await app?.stop();
    for (const s of sandboxes) s.cleanup();
  });

  return {
    app: () => app,
    async link() {
      const l = await startLink(app.url);
      links.push(l);
      return l;
    },
    sandbox() {
      const s = agentSandbox();
      sandboxes.push(s);
      return s;
    },
    async submit(body, manifestExtra = "") {
      const job = await submitJob(app.url, app.adminToken, `---\nengine: shell\n${manifestExtra}---\n# partition\n\n${body}\n`);
      submitted.push(job.id);
      return job;
    },
    jobOf: async (id) => (await call(`${app.url}/api/fleet/jobs/${id}`, { token: app.adminToken })).body,
    eventsOf: async (id) => (await call(`${app.url}/api/fleet/jobs/${id}/events`, { token: app.adminToken })).body.items,
    outboxFiles(s, agentName) {
      try {
        return readdirSync(path.join(s.configDir, `${agentName}.outbox`)).filter((n) => n.endsWith(".json"));
      } catch {
        return [];
      }
    },
  };
}
