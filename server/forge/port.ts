import "server-only";
import type { JobDelivery } from "@/server/store/records";

/**
 * The forge port (DESIGN "delivery is part of the job"): everything the coordinator asks of where
 * a repository lives. Two kinds of adapter fit it: a forge with an API (GitHub: pull requests,
 * checks, merges through the API, credentials in the coordinator's settings) and plain git (no
 * forge: Ship is a merge task leased to a factory, whose own git credentials push the merge). The
 * coordinator picks the first adapter that serves a job's repository; plain git serves them all,
 * so it is always last.
 *
 * Only plain git is built (issue 15 leaves the GitHub adapter for later): a `pr` job on a forge
 * without a configured adapter is shipped by plain git as well, and the Ship button says so.
 */
export interface ForgeAdapter {
  /** `git` for plain git; a forge's own name otherwise */
  readonly kind: string;
  /** whether this adapter delivers jobs on `repo` */
  serves(repo: string): boolean;
  /** how Ship lands a delivered job */
  shipPlan(delivery: JobDelivery): ShipPlan;
}

/**
 * What Ship does for a job: `merge_task` queues a merge job leased to a factory (plain git);
 * a forge adapter would answer with its own kind (merge the pull request through the API).
 * `label` is the Ship button's text.
 */
export type ShipPlan = { kind: "merge_task"; label: string };

/** The hosts whose repositories default to `delivery: pr` (github.com and a configured GHE host). */
export interface ForgeConfig {
  hosts: readonly string[];
  adapters: readonly ForgeAdapter[];
}
