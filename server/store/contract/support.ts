import "server-only";
import { expect } from "vitest";
import { isStoreError, type StoreErrorCode } from "../errors";
import type { Store } from "../port";
import { newJob } from "./fixtures";

// What the contract's files share: a refusal's code, and a job claimed with a lease of TTL.

/** Awaits `p` and expects it refused with StoreError `code`. */
export async function expectCode(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isStoreError(e), `expected StoreError ${code}, got ${String(e)}`).toBe(true);
  expect((e as { code: string }).code).toBe(code);
}

export const TTL = 10_000;

/** A job submitted and claimed by factory f1 (lease `leaseId`, TTL from 2_000): the grant. */
export async function claimed(store: Store, over: Parameters<typeof newJob>[0] = {}, leaseId = "L-" + Math.random().toString(36).slice(2)) {
  const { job } = await store.submitJob(newJob(over));
  const grant = await store.claimJob({ jobId: job.id, factoryId: "f1", engine: "claude", leaseId, ttlMs: TTL, now: 2_000 });
  if (!grant) throw new Error("claim failed");
  return grant;
}
