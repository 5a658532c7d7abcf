import "server-only";
import nodemailer from "nodemailer";
import type { DeliveryRecord } from "@/server/store/ops-records";
import type { AlertSinks } from "./config";
import { emailMessage, sign, SIGNATURE_HEADER, slackBody, webhookBody } from "./render";

/**
 * Sends one delivery to its sink. Resolves when the sink accepted it (2xx, or the SMTP server took
 * the message); throws an Error whose message is what the Admin page shows otherwise. Bounded by a
 * timeout, so a hanging sink cannot hold the sweeper.
 */
const TIMEOUT_MS = 10_000;

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "gigafactory-alerts", ...headers },
    body,
    redirect: "error",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  // Read (and bound) the answer so the connection is released, and keep a little for the error.
  const text = (await r.text()).slice(0, 200);
  if (!r.ok) throw new Error(`HTTP ${r.status}${text ? `: ${text}` : ""}`);
}

export async function sendDelivery(d: DeliveryRecord, sinks: AlertSinks): Promise<void> {
  switch (d.sink) {
    case "webhook": {
      if (!sinks.webhook) throw new Error("the webhook sink is no longer configured");
      const body = webhookBody(d.id, d.notice);
      return post(sinks.webhook.url, body, { [SIGNATURE_HEADER]: sign(body, sinks.webhook.secret), "x-fleet-delivery": d.id });
    }
    case "slack": {
      if (!sinks.slack) throw new Error("the Slack sink is no longer configured");
      return post(sinks.slack.url, slackBody(d.notice), {});
    }
    case "email": {
      if (!sinks.email) throw new Error("the e-mail sink is no longer configured");
      const transport = nodemailer.createTransport(sinks.email.smtpUrl, { connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: TIMEOUT_MS });
      try {
        const { subject, text } = emailMessage(d.notice);
        await transport.sendMail({ from: sinks.email.from, to: sinks.email.to, subject, text, headers: { "X-Fleet-Delivery": d.id } });
      } finally {
        transport.close();
      }
      return;
    }
  }
}
