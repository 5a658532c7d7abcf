import "server-only";
import type { CoordinatorContext } from "@/server/coordinator/context";
import type { AlertSinkKind } from "@/server/store/ops-records";

/**
 * Where alerts go: the environment's sinks (FLEET_ALERT_WEBHOOK_URL, FLEET_ALERT_SLACK_URL,
 * SMTP_URL + FLEET_ALERT_EMAIL_FROM/TO), each overridden by what an admin saved on the Admin page.
 * Read at every step, so a change on one instance reaches all within the settings cache's ttl.
 */
export type { AlertEnv } from "./types";

export interface AlertSinks {
  webhook?: { url: string; secret: string };
  slack?: { url: string };
  email?: { smtpUrl: string; from: string; to: string[] };
  quietMs: number;
  retryMs: number;
  baseUrl: string;
}

export const DEFAULT_QUIET_MS = 3_600_000;
export const DEFAULT_RETRY_MS = 5_000;
/** after this many failed attempts a delivery is given up (kept, shown on Admin, retryable by hand) */
export const MAX_ATTEMPTS = 10;

export async function alertSinks(ctx: CoordinatorContext): Promise<AlertSinks> {
  const e = ctx.alerts ?? {};
  const saved = (await ctx.settings.get()).operations?.alerts ?? {};
  const pick = (a: string | undefined, b: string | undefined) => (a === undefined ? b : a || undefined);
  const webhookUrl = pick(saved.webhookUrl, e.webhookUrl);
  const webhookSecret = pick(saved.webhookSecret, e.webhookSecret);
  const slackUrl = pick(saved.slackUrl, e.slackUrl);
  const emailTo = saved.emailTo ?? e.emailTo ?? [];
  return {
    ...(webhookUrl && webhookSecret ? { webhook: { url: webhookUrl, secret: webhookSecret } } : {}),
    ...(slackUrl ? { slack: { url: slackUrl } } : {}),
    ...(e.smtpUrl && e.emailFrom && emailTo.length > 0 ? { email: { smtpUrl: e.smtpUrl, from: e.emailFrom, to: emailTo } } : {}),
    quietMs: saved.quietMs ?? e.quietMs ?? DEFAULT_QUIET_MS,
    retryMs: e.retryMs ?? DEFAULT_RETRY_MS,
    baseUrl: (e.baseUrl ?? "http://127.0.0.1:3000").replace(/\/+$/, ""),
  };
}

export function configuredSinks(s: AlertSinks): AlertSinkKind[] {
  return (["webhook", "slack", "email"] as const).filter((k) => s[k] !== undefined);
}
