import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { readDelivery, WebhookError } from "./webhook";

const secret = "whsec_test";
const closed = JSON.stringify({ action: "closed", pull_request: { number: 7, merged: true, merge_commit_sha: "d".repeat(40), head: { sha: "a".repeat(40) } }, repository: { name: "widgets", owner: { login: "acme" } } });
const headers = async (body: string, over: Record<string, string> = {}) =>
  new Headers({ "x-hub-signature-256": await sign(secret, body), "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "x-github-event": "pull_request", ...over });

describe("GitHub webhook deliveries", () => {
  it("reads a signed pull_request closed/merged delivery", async () => {
    const d = await readDelivery(secret, closed, await headers(closed));
    expect(d).toEqual({ deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958", event: { kind: "pr_closed", owner: "acme", repo: "widgets", number: 7, merged: true, mergeSha: "d".repeat(40), headSha: "a".repeat(40) } });
  });
  it("refuses a bad, missing or other-secret signature, and a body changed after signing", async () => {
    for (const h of [await headers(closed, { "x-hub-signature-256": "sha256=00" }), new Headers({ "x-github-delivery": "x", "x-github-event": "pull_request" }), await headers(closed)]) {
      const e = await readDelivery(h.get("x-hub-signature-256") === null || h.get("x-hub-signature-256") === "sha256=00" ? secret : "other", closed, h).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(WebhookError);
      expect((e as WebhookError).reason).toBe("bad_signature");
    }
    const tampered = closed.replace('"number":7', '"number":8');
    expect(((await readDelivery(secret, tampered, await headers(closed)).catch((x: unknown) => x)) as WebhookError).reason).toBe("bad_signature");
  });
  it("names the field of a signed but malformed delivery, and ignores other events", async () => {
    const bad = JSON.stringify({ action: "closed", pull_request: { number: "7" } });
    const e = (await readDelivery(secret, bad, await headers(bad)).catch((x: unknown) => x)) as WebhookError;
    expect([e.reason, e.message]).toEqual(["bad_delivery", expect.stringMatching(/^body\.pull_request\.number/)]);
    const ping = JSON.stringify({ zen: "hi" });
    expect((await readDelivery(secret, ping, await headers(ping, { "x-github-event": "ping" }))).event).toEqual({ kind: "ignored", event: "ping", action: undefined });
  });
});
