import "server-only";
import type { JobDelivery } from "@/server/store/records";
import type { ForgeAdapter, ShipPlan } from "./port";

/**
 * Plain git: no forge API. Ship queues a merge task; the factory that takes it fast-forwards the
 * base branch to the job's head, or makes a merge commit when the base moved, and pushes it.
 */
export const plainGit: ForgeAdapter = {
  kind: "git",
  serves: () => true,
  shipPlan(d: JobDelivery): ShipPlan {
    const base = d.baseBranch ?? "the default branch";
    const forge = d.mode === "pr" ? " (no forge configured: plain git)" : "";
    return { kind: "merge_task", label: `merge ${d.branch} into ${base} and push${forge}` };
  },
};
