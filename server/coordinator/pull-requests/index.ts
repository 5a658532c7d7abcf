import "server-only";

/**
 * The pull-request lifecycle of a `delivery: pr` job on a forge with an adapter (issue 15 items 3
 * and 4). Every forge call happens outside the store write it leads to; every write is one moveJob
 * on the job version just read (re-read and redone on a version conflict), and each is followed by
 * the review loop's hook with the record it replaced.
 *
 *   pushed, job in review/testing (or failed by verify) ─► open (draft unless verify passed)
 *                                      └ a PR for the branch exists ─► adopted
 *                                      └ refused / unreachable ─► delivery:pr_failed, the poll retries
 *   webhook or poll ─► refreshPullRequest ─► record; merged on the forge → shipped, closed → cancelled
 *   Ship ─► shipPullRequest: read, gate (checks, reviews, conflict, head), merge with the head SHA
 *           → mergeSha, delivery:merged, shipped; refused → 409 with the reason (kept on pr.error)
 *   review-policy auto (auto-ship.ts) ─► the webhook or poll's read, once the gate is clean, Ships
 *
 * One job a file: target.ts (where the PR lives, whether one is due), open.ts, refresh.ts (a read
 * recorded), ship.ts (the merge gate and the merge, auto-ship), watch.ts (the webhook's and the
 * poll's reads); under them gate.ts, record.ts, summary.ts (the PR's text), failures.ts, write.ts.
 */
export { AUTO_SHIP_BY, pullRequestDue, pullRequestTarget, type PullRequestTarget } from "./target";
export { afterAttemptPullRequest, openPullRequestIfDue } from "./open";
export { refreshJobPullRequest } from "./refresh";
export { autoMergeIfClean, shipPullRequest } from "./ship";
export { jobHoldingPullRequest, jobsWithPullRequests, pollPullRequests, refreshPullRequest } from "./watch";
export { gateOf } from "./gate";
