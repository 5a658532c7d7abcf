/**
 * Where an alert leads. `GET /stats` alerts carry a `subject` whose meaning depends on the kind
 * (server/coordinator/alerts.ts): a job id for stalls, budget breaches and dead letters, a factory
 * id when a factory went offline, the product (or "fleet") for a failure spike.
 */
import type { AlertView } from "./api-types";

export const ALERT_LABEL: Record<AlertView["kind"], string> = {
  job_stalled: "stalled",
  budget_exceeded: "over budget",
  dead_letter: "dead letter",
  factory_offline: "factory offline",
  failure_spike: "failure spike",
};

export function alertLink(a: AlertView): { href: string; text: string } {
  switch (a.kind) {
    case "job_stalled":
    case "budget_exceeded":
    case "dead_letter":
      return { href: `/jobs/${encodeURIComponent(a.subject)}`, text: "open job" };
    case "factory_offline":
      return { href: "/fleet", text: "fleet map" };
    case "failure_spike":
      return { href: a.subject && a.subject !== "fleet" ? `/jobs?stage=failed&product=${encodeURIComponent(a.subject)}` : "/jobs?stage=failed", text: "failed jobs" };
  }
}
