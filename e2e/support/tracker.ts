/**
 * GitHub's side of the tracker intake for the specs: webhook deliveries as GitHub sends them to the
 * control plane (X-Hub-Signature-256 over the raw body with the suite's webhook secret, a fresh
 * X-GitHub-Delivery, X-GitHub-Event), about issues the double holds (support/github-control.ts).
 */
import { randomUUID } from "node:crypto";
import { signedWebhook } from "../../test/harness/github-double-issues";
import type { IssueOnGithub } from "./github-control";
import { at } from "./helpers";

const SENDER = { login: "alice", type: "User" };

export interface WebhookAnswer {
  status: number;
  // read field by field, as JSON
  body: {
    delivery?: string;
    duplicate?: boolean;
    ignored?: boolean;
    tracker?: { outcome: "created" | "existing" | "invalid" | "ignored"; jobId?: string; reason?: string; errors?: { path: string; message: string }[] };
  };
}

/** One signed delivery to /api/fleet/webhooks/github; `deliveryId` to replay one. */
export async function deliverGithubWebhook(event: string, payload: unknown, deliveryId: string = randomUUID()): Promise<WebhookAnswer> {
  const w = signedWebhook(process.env.E2E_GITHUB_WEBHOOK_SECRET!, event, deliveryId, payload);
  const res = await fetch(at("/api/fleet/webhooks/github"), { method: "POST", headers: w.headers, body: w.body });
  return { status: res.status, body: (await res.json()) as WebhookAnswer["body"] };
}

/** `issues` `labeled`: a person added `label` to the issue (already among its labels on GitHub) */
export function issueLabeled(i: IssueOnGithub, label: string): Promise<WebhookAnswer> {
  // the label object as the issue's own labels carry it (GitHub sends the whole label)
  const full = (i.payload.issue.labels as { name: string }[]).find((l) => l.name === label) ?? { name: label };
  return deliverGithubWebhook("issues", { action: "labeled", label: full, ...i.payload, sender: SENDER });
}

/** `issues` `edited`: a person changed the issue's body from `from` to what GitHub now holds */
export const issueBodyEdited = (i: IssueOnGithub, from: string) => deliverGithubWebhook("issues", { action: "edited", changes: { body: { from } }, ...i.payload, sender: SENDER });
