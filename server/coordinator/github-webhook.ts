import "server-only";
import type { ForgeEvent } from "@/server/forge/github/webhook";
import { FleetError, isFleetError } from "@/server/errors";
import { log } from "@/server/log";
import { isStoreError } from "@/server/store/errors";
import { webhookDeliveryKey } from "@/server/store/rules/webhook-deliveries";
import type { CoordinatorContext } from "./context";
import { refreshPullRequest } from "./pull-requests";

/**
 * What a verified GitHub delivery does (the route, app/api/fleet/webhooks/github, verified and
 * parsed it). Every event we act on names pull requests, and each is read again from GitHub
 * (refreshPullRequest: the PR record, the job's stage on merge/close, then the review loop), so a
 * delivery is a doorbell and the forge's API stays the truth.
 *
 * De-duplication (issue 15: "a replayed delivery changes nothing"): the delivery id is recorded
 * first writer wins BEFORE anything else is done, so of two copies (a redelivery, a replay of a
 * captured request, two app instances) only one acts; the other answers `duplicate`. Should the
 * handling fail, the record is released again, so GitHub's redelivery of the same id is handled
 * instead of being taken for a replay of something that never happened.
 */
export type GithubDeliveryOutcome =
  | { kind: "pong" }
  | { kind: "ignored"; event: string; action?: string }
  | { kind: "duplicate" }
  | { kind: "taken"; refreshed: string[] };

export async function takeGithubDelivery(ctx: CoordinatorContext, d: { deliveryId: string; name: string; event: ForgeEvent }): Promise<GithubDeliveryOutcome> {
  const e = d.event;
  switch (e.kind) {
    case "ping":
      return { kind: "pong" };
    case "ignored":
      // Nothing is recorded for an event we do not act on: a replay of it changes nothing either.
      return { kind: "ignored", event: e.event, ...(e.action !== undefined ? { action: e.action } : {}) };
    case "pull_requests": {
      const first = await ctx.store.recordWebhookDelivery({ productId: ctx.productId, source: "github", deliveryId: d.deliveryId, event: d.name, receivedAt: ctx.now() });
      if (!first) return { kind: "duplicate" };
      const refreshed: string[] = [];
      try {
        for (const number of e.numbers) {
          // undefined: no job of ours holds that pull request (someone else's PR on the repository)
          if (await refreshPullRequest(ctx, { owner: e.owner, repo: e.repo, number })) refreshed.push(`${e.owner}/${e.repo}#${number}`);
        }
      } catch (err) {
        await ctx.store.forgetWebhookDelivery(webhookDeliveryKey("github", d.deliveryId)).catch((forgetErr: unknown) => log.warn({ err: forgetErr }, "could not release a failed webhook delivery"));
        // A FleetError or StoreError keeps its own status; anything else (GitHub unreachable, a
        // refusal) is 503, so the forge's delivery log shows a failure worth redelivering.
        if (isFleetError(err) || isStoreError(err)) throw err;
        throw new FleetError("unavailable", `could not read ${e.owner}/${e.repo}'s pull request from GitHub; redeliver the webhook later`, { retryAfterMs: 60_000 });
      }
      return { kind: "taken", refreshed };
    }
    default: {
      const never: never = e;
      throw new Error(`unknown forge event ${JSON.stringify(never)}`);
    }
  }
}
