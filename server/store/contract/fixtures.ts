import "server-only";
import { createHash } from "node:crypto";
import type { Manifest, Priority } from "@/lib/types";
import type { NewJob } from "../port";

/** A normalized manifest with every default filled (what lib/manifest hands the coordinator). */
export function manifest(over: Partial<Manifest> = {}): Manifest {
  return {
    yolo: false,
    capabilities: [],
    prefers: [],
    priority: "medium",
    budget: {},
    deps: [],
    retry: { max: 2, backoff: 1000, on: ["timeout", "lease_lost"] },
    "review-policy": "manual",
    artifacts: [],
    "allowed-scope": [],
    ...over,
  };
}

let counter = 0;

/** A submit request; `id` unique per call unless given. */
export function newJob(over: Partial<NewJob> & { priority?: Priority; lock?: string } = {}): NewJob {
  counter += 1;
  const { priority, lock, ...rest } = over;
  const m = over.manifest ?? manifest({ ...(priority ? { priority } : {}), ...(lock ? { lock } : {}) });
  const title = over.title ?? `job ${counter}`;
  const body = over.body ?? `do thing ${counter}`;
  return {
    id: `j-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    productId: "p1",
    title,
    body,
    manifest: m,
    contentHash: createHash("sha256").update(JSON.stringify([m, title, body])).digest("hex"),
    stage: "queued",
    deps: [],
    depKeys: [],
    now: 1_000,
    ...rest,
  };
}
