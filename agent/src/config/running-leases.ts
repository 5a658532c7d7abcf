/**
 * Leases this factory holds, persisted on every change so that after a crash the restarted agent
 * can tell the coordinator what it had (first heartbeat's `running`) and kill engine process
 * groups that outlived it (they are spawned detached, so they survive the agent's own death).
 */
import type { Env } from "../version";
import path from "node:path";
import { z } from "zod";
import { readJson, stateDir, writePrivateJson } from "./state-dir";

const entry = z.object({ leaseId: z.string(), epoch: z.number().int(), jobId: z.string(), pgid: z.number().int().optional() });
export type PersistedLease = z.infer<typeof entry>;

export class RunningLeaseFile {
  readonly file: string;
  private leases = new Map<string, PersistedLease>();

  constructor(name: string, env: Env = process.env) {
    this.file = path.join(stateDir(env), `${name}.running.json`);
  }

  /** What a previous process left behind (empty when it exited cleanly). */
  loadLeftovers(): PersistedLease[] {
    const r = z.array(entry).safeParse(readJson(this.file));
    return r.success ? r.data : [];
  }

  set(lease: PersistedLease): void {
    this.leases.set(lease.leaseId, lease);
    this.save();
  }

  delete(leaseId: string): void {
    if (this.leases.delete(leaseId)) this.save();
  }

  /** Replaces the file with what this process holds (nothing, at start). */
  save(): void {
    writePrivateJson(this.file, [...this.leases.values()]);
  }
}
