import "server-only";
import { createHmac } from "node:crypto";
import type { AlertNotice } from "@/server/store/ops-records";

/**
 * One notice rendered per sink. The webhook gets a JSON document and an HMAC-SHA256 signature of
 * the exact bytes sent (`X-Fleet-Signature: sha256=<hex>`, GitHub's convention), so a receiver can
 * check it before parsing. Slack gets Block Kit with a button to the job; e-mail plain text.
 */
export const SIGNATURE_HEADER = "x-fleet-signature";

const TITLES: Record<AlertNotice["kind"], string> = {
  job_stalled: "Job stalled",
  failure_spike: "Failure spike",
  budget_exceeded: "Budget exceeded",
  factory_offline: "Factory offline",
  dead_letter: "Job dead-lettered",
  test: "Test alert",
};

export function headline(n: AlertNotice): string {
  const state = n.notice === "resolved" ? "RESOLVED" : n.notice === "refired" ? "STILL OPEN" : n.notice === "test" ? "TEST" : "ALERT";
  return `[${state}] ${TITLES[n.kind]}: ${n.subject}`;
}

export function webhookBody(deliveryId: string, n: AlertNotice): string {
  return JSON.stringify({
    id: deliveryId,
    notice: n.notice,
    kind: n.kind,
    subject: n.subject,
    message: n.message,
    link: n.link ?? null,
    openedAt: new Date(n.openedAt).toISOString(),
    at: new Date(n.at).toISOString(),
  });
}

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Slack mrkdwn treats &, < and > as markup: escape them in text that comes from jobs. */
const slackEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function slackBody(n: AlertNotice): string {
  const text = `${headline(n)} — ${n.message}`;
  return JSON.stringify({
    text: slackEscape(text),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${slackEscape(headline(n))}*\n${slackEscape(n.message)}` } },
      ...(n.link
        ? [{ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: n.kind === "factory_offline" ? "Open the fleet" : "Open the job" }, url: n.link }] }]
        : []),
      { type: "context", elements: [{ type: "mrkdwn", text: `opened ${new Date(n.openedAt).toISOString()} · ${n.notice}` }] },
    ],
  });
}

export function emailMessage(n: AlertNotice): { subject: string; text: string } {
  return {
    subject: headline(n),
    text: [n.message, "", n.link ? `Open: ${n.link}` : "", `Opened: ${new Date(n.openedAt).toISOString()}`, `Notice: ${n.notice}`].filter((l) => l !== "").join("\n") + "\n",
  };
}
