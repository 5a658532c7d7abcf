import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import type { ClaimResponse, DeliveryReport } from "@/lib/protocol";
import { pushBranch, type DeliveryError } from "@/agent/src/run/delivery";
import { prepareWorkspace } from "@/agent/src/run/workspace";
import { claim } from "@/server/coordinator/claim";
import { heartbeat } from "@/server/coordinator/factories";
import { complete } from "@/server/coordinator/leases";
import type { Scenario } from "@/server/coordinator/policies/scenario-harness";
import { git, seedBareOrigin } from "./bare-origin";

/**
 * Delivery with the coordinator in process (a scenario over a real store) and the agent's real git
 * (its workspace and push code) against a real bare origin: the setup test/delivery/ship and
 * review-loop share. No agent process: the test plays the factory, claim by claim.
 */

/** Each call: a fresh temp folder with a seeded bare origin (`url` for a manifest's repo); all removed after each test. */
export function bareOrigins(prefix: string): () => { root: string; bare: string; url: string } {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const root = mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(root);
    const { bare } = seedBareOrigin(root);
    return { root, bare, url: `file://${bare}` };
  };
}

type CompleteBody = Omit<Parameters<typeof complete>[3], "epoch">;

/** One factory of the scenario, claiming with the full answer (the claim's delivery included). */
export async function deliveryFactory(s: Scenario, name: string) {
  const agent = await s.factory(name);
  return {
    id: agent.factoryId,
    async claim(): Promise<ClaimResponse | undefined> {
      await heartbeat(s.ctx, agent.factoryId, agent.factoryId, { load: 0, free: [{ engine: "shell", slots: 4 }], running: [] });
      const f = (await s.ctx.store.getFactory(agent.factoryId))!;
      return claim(s.ctx, f, { factoryId: agent.factoryId, free: [{ engine: "shell", slots: 4 }], waitMs: 0 });
    },
    complete: (c: ClaimResponse, body: CompleteBody) => complete(s.ctx, agent.factoryId, c.lease.id, { epoch: c.lease.epoch, ...body } as Parameters<typeof complete>[3]),
  };
}

/**
 * What a factory's agent does with a job: a workspace (at startAt for a follow-up), one commit of
 * `file`, pushed as the claim says. A refused push is reported (pushed: false, its reason), as the agent does.
 */
export async function runJob(workdir: string, c: ClaimResponse, file: string): Promise<DeliveryReport> {
  const d = c.delivery!;
  const ws = await prepareWorkspace({ workdir, repo: c.job.manifest.repo!, jobId: c.job.id, leaseId: c.lease.id, ...(d.startAt ? { startAt: d.startAt } : {}) });
  writeFileSync(path.join(ws.root!, file), `${file}\n`);
  git(ws.root!, "add", "-A");
  git(ws.root!, "commit", "-q", "-m", `add ${file}`);
  await ws.collect();
  const head = git(ws.root!, "rev-parse", "HEAD");
  await ws.cleanup();
  try {
    await pushBranch({ cache: ws.cache!, head, branch: d.branch, ...(d.expectedHead ? { expectedHead: d.expectedHead } : {}) });
    return { branch: d.branch, headSha: head, pushed: true };
  } catch (e) {
    const err = e as DeliveryError;
    return { branch: d.branch, headSha: head, pushed: false, error: { reason: err.reason, message: err.message } };
  }
}
