import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { readDelivery, WebhookError } from "./webhook";

const secret = "whsec_test";
const A = "a".repeat(40);
const repository = { name: "widgets", owner: { login: "acme" } };
const closed = JSON.stringify({ action: "closed", pull_request: { number: 7, merged: true, merge_commit_sha: "d".repeat(40), head: { sha: A } }, repository });
const headers = async (body: string, over: Record<string, string> = {}) =>
  new Headers({ "x-hub-signature-256": await sign(secret, body), "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "x-github-event": "pull_request", ...over });
const read = async (event: string, payload: unknown) => {
  const body = JSON.stringify(payload);
  return readDelivery(secret, body, await headers(body, { "x-github-event": event }));
};
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as WebhookError);

describe("GitHub webhook deliveries", () => {
  it("reads a signed pull_request delivery as the pull request it names", async () => {
    const d = await readDelivery(secret, closed, await headers(closed));
    expect(d).toEqual({
      deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      name: "pull_request",
      event: { kind: "pull_requests", event: "pull_request", action: "closed", owner: "acme", repo: "widgets", numbers: [7], headSha: A },
    });
    for (const action of ["opened", "synchronize", "reopened", "ready_for_review", "edited"]) {
      expect((await read("pull_request", { action, pull_request: { number: 3, head: { sha: A } }, repository })).event).toMatchObject({ kind: "pull_requests", action, numbers: [3] });
    }
  });

  it("reads check_suite and check_run completed with every pull request they name, once each", async () => {
    const suite = await read("check_suite", { action: "completed", check_suite: { head_sha: A, conclusion: "failure", pull_requests: [{ number: 4 }, { number: 9 }, { number: 4 }] }, repository });
    expect(suite.event).toEqual({ kind: "pull_requests", event: "check_suite", action: "completed", owner: "acme", repo: "widgets", numbers: [4, 9], headSha: A });
    const run = await read("check_run", { action: "completed", check_run: { head_sha: A, name: "test", pull_requests: [] }, repository });
    expect(run.event).toMatchObject({ kind: "pull_requests", event: "check_run", numbers: [] });
    const review = await read("pull_request_review", { action: "submitted", review: { state: "changes_requested" }, pull_request: { number: 5, head: { sha: A } }, repository });
    expect(review.event).toMatchObject({ kind: "pull_requests", event: "pull_request_review", numbers: [5] });
  });

  it("answers ping, and ignores other events and the actions that change nothing we record", async () => {
    expect((await read("ping", { zen: "hi", hook_id: 1 })).event).toEqual({ kind: "ping" });
    expect((await read("issues", { action: "opened" })).event).toEqual({ kind: "ignored", event: "issues", action: "opened" });
    expect((await read("check_suite", { action: "requested" })).event).toEqual({ kind: "ignored", event: "check_suite", action: "requested" });
    expect((await read("pull_request", { action: "labeled" })).event).toEqual({ kind: "ignored", event: "pull_request", action: "labeled" });
    expect((await read("check_run", {})).event).toEqual({ kind: "ignored", event: "check_run", action: undefined });
  });

  it("reads a form-encoded delivery (payload=…), verified over the raw form body", async () => {
    const form = new URLSearchParams({ payload: closed }).toString();
    const d = await readDelivery(secret, form, await headers(form, { "content-type": "application/x-www-form-urlencoded" }));
    expect(d.event).toMatchObject({ kind: "pull_requests", numbers: [7] });
    const e = await refusal(readDelivery(secret, "x=1", await headers("x=1", { "content-type": "application/x-www-form-urlencoded" })));
    expect([e?.reason, e?.path]).toEqual(["bad_delivery", "body.payload"]);
  });

  it("refuses a bad, missing or other-secret signature, and a body changed after signing", async () => {
    for (const h of [await headers(closed, { "x-hub-signature-256": "sha256=00" }), new Headers({ "x-github-delivery": "x", "x-github-event": "pull_request" }), await headers(closed)]) {
      const e = await refusal(readDelivery(h.get("x-hub-signature-256") === null || h.get("x-hub-signature-256") === "sha256=00" ? secret : "other", closed, h));
      expect(e).toBeInstanceOf(WebhookError);
      expect(e?.reason).toBe("bad_signature");
    }
    const tampered = closed.replace('"number":7', '"number":8');
    expect((await refusal(readDelivery(secret, tampered, await headers(closed))))?.reason).toBe("bad_signature");
    // No secret configured: nothing verifies.
    expect((await refusal(readDelivery("", closed, await headers(closed))))?.reason).toBe("bad_signature");
  });

  it("names the field of a signed but malformed delivery", async () => {
    const cases: [string, unknown, RegExp][] = [
      ["pull_request", { action: "closed", pull_request: { number: "7" } }, /^body\.pull_request\.number: /],
      ["pull_request", { action: "opened", pull_request: { number: 7, head: { sha: "nope" } }, repository }, /^body\.pull_request\.head\.sha: .*SHA/],
      ["check_suite", { action: "completed", check_suite: { head_sha: A, pull_requests: [{ number: -1 }] }, repository }, /^body\.check_suite\.pull_requests\.0\.number: /],
      ["check_run", { action: "completed", check_run: { head_sha: A, pull_requests: Array.from({ length: 101 }, (_, i) => ({ number: i + 1 })) }, repository }, /^body\.check_run\.pull_requests: /],
      ["pull_request_review", { action: "submitted", pull_request: { number: 7, head: { sha: A } }, repository: { name: "widgets", owner: { login: "-x" } } }, /^body\.repository\.owner\.login: /],
      ["pull_request_review", { action: "submitted", pull_request: { number: 7, head: { sha: A } }, repository: { name: "../etc", owner: { login: "acme" } } }, /^body\.repository\.name: /],
    ];
    for (const [event, payload, message] of cases) {
      const e = await refusal(read(event, payload));
      expect([e?.reason, e?.message], JSON.stringify(payload).slice(0, 80)).toEqual(["bad_delivery", expect.stringMatching(message)]);
      expect(e?.path).toBe(e?.message.split(":")[0]);
    }
    const notJson = "{nope";
    expect((await refusal(readDelivery(secret, notJson, await headers(notJson))))?.message).toBe("body: expected JSON");
    for (const [h, v] of [["x-github-delivery", "../../x"], ["x-github-event", "Pull Request"]] as const) {
      const e = await refusal(readDelivery(secret, closed, await headers(closed, { [h]: v })));
      expect([e?.reason, e?.path]).toEqual(["bad_delivery", "(header)"]);
    }
  });
});
