import "server-only";
import { verify } from "@octokit/webhooks-methods";
import { z } from "zod";

/**
 * A GitHub webhook delivery, verified (X-Hub-Signature-256 over the raw body with the webhook
 * secret, @octokit/webhooks-methods) before anything of it is read. The route (not yet built:
 * POST /api/fleet/forge/github/webhook) answers 401 for `bad_signature` and de-duplicates on
 * `deliveryId` (X-GitHub-Delivery).
 */
export type WebhookRefusal = "bad_signature" | "bad_delivery";
export class WebhookError extends Error {
  constructor(
    readonly reason: WebhookRefusal,
    message: string,
  ) {
    super(message);
  }
}

export type ForgeEvent =
  | { kind: "pr_closed"; owner: string; repo: string; number: number; merged: boolean; mergeSha: string | null; headSha: string }
  | { kind: "ignored"; event: string; action?: string };

const prClosed = z.object({
  action: z.literal("closed"),
  pull_request: z.object({ number: z.number().int().positive(), merged: z.boolean(), merge_commit_sha: z.string().nullable(), head: z.object({ sha: z.string() }) }),
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }) }),
});

export async function readDelivery(secret: string, rawBody: string, headers: Headers): Promise<{ deliveryId: string; event: ForgeEvent }> {
  const signature = headers.get("x-hub-signature-256") ?? "";
  if (!secret || !signature || !(await verify(secret, rawBody, signature).catch(() => false))) {
    throw new WebhookError("bad_signature", "X-Hub-Signature-256 is missing or does not match the body");
  }
  const deliveryId = headers.get("x-github-delivery") ?? "";
  const name = headers.get("x-github-event") ?? "";
  if (!/^[\w-]{1,100}$/.test(deliveryId)) throw new WebhookError("bad_delivery", "X-GitHub-Delivery: expected a delivery id");
  if (!/^[a-z_]{1,60}$/.test(name)) throw new WebhookError("bad_delivery", "X-GitHub-Event: expected an event name");
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    throw new WebhookError("bad_delivery", "body: expected JSON");
  }
  const action = typeof (payload as { action?: unknown })?.action === "string" ? (payload as { action: string }).action : undefined;
  if (name !== "pull_request" || action !== "closed") return { deliveryId, event: { kind: "ignored", event: name, action } };
  const p = prClosed.safeParse(payload);
  if (!p.success) throw new WebhookError("bad_delivery", `body.${p.error.issues[0]?.path.join(".")}: ${p.error.issues[0]?.message}`);
  const pr = p.data.pull_request;
  return {
    deliveryId,
    event: { kind: "pr_closed", owner: p.data.repository.owner.login, repo: p.data.repository.name, number: pr.number, merged: pr.merged, mergeSha: pr.merged ? pr.merge_commit_sha : null, headSha: pr.head.sha },
  };
}
