/**
 * The one table that keeps the `fleet` CLI, the web's actions and the API routes in step (issue 18
 * §1): each row is a CLI command, the API call it makes (job actions name their `action` for
 * POST /jobs/{id}/actions) and the web control it mirrors. test/api/cli-parity.test.ts fails when a
 * route of the route registry (app/api/fleet/openapi.json/routes.ts, the OpenAPI source) or a job
 * action (lib/api JOB_ACTIONS) has no row here and is not in NOT_IN_CLI, when a row names a route
 * that does not exist, and when a row's first word is not a command of fleet.ts. The README's CLI
 * section is generated from it (`cliReference`).
 */
import type { JobAction } from "@/lib/api/jobs";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface CliRow {
  /** as typed after `fleet` */
  command: string;
  method: HttpMethod;
  /** the route's spec path, `{id}` style, without /api/fleet */
  path: string;
  /** for POST /jobs/{id}/actions: the action it sends */
  action?: JobAction;
  /** the web page and control that does the same */
  web: string;
}

const job = (command: string, action: JobAction, web: string): CliRow => ({ command, method: "POST", path: "/jobs/{id}/actions", action, web });

export const CLI_TABLE: CliRow[] = [
  // jobs
  { command: "submit FILE", method: "POST", path: "/jobs", web: "Submit page: Submit" },
  { command: "ls", method: "GET", path: "/jobs", web: "Jobs page: the list and its filters" },
  { command: "show ID", method: "GET", path: "/jobs/{id}", web: "Job page" },
  { command: "events ID", method: "GET", path: "/jobs/{id}/events", web: "Job page: Timeline" },
  { command: "logs ID", method: "GET", path: "/jobs/{id}/logs", web: "Job page: Log" },
  { command: "logs ID -f", method: "GET", path: "/jobs/{id}/stream", web: "Job page: live log" },
  { command: "artifact ID NAME", method: "GET", path: "/jobs/{id}/artifacts/{name}", web: "Job page: Artifacts download" },
  { command: "dag", method: "GET", path: "/dag", web: "DAG page" },
  { command: "from-tracker ITEM", method: "POST", path: "/tracker/import", web: "Submit page: Import from tracker" },
  job("approve ID", "approve", "Job page: Approve"),
  job("ship ID", "ship", "Job page: Ship"),
  job("reject ID", "reject", "Job page: Reject"),
  job("requeue ID [ID…]", "requeue", "Job page: Requeue; Jobs page: requeue selected"),
  job("cancel ID [ID…]", "cancel", "Job page: Cancel; Jobs page: cancel selected"),
  job("pause ID [ID…]", "pause", "Job page: Pause; Jobs page: pause selected"),
  job("resume ID [--budget-usd N]", "resume", "Job page: Resume (with a raised budget)"),
  job("retry-push ID", "retry_push", "Job page: Retry push"),
  job("request-changes ID --reason TEXT", "request_changes", "Job page: Request changes"),
  // the fleet
  { command: "factories", method: "GET", path: "/factories", web: "Fleet page: factories" },
  { command: "factories drain ID", method: "POST", path: "/factories/{id}/drain", web: "Fleet page: Drain" },
  { command: "factories revoke ID", method: "POST", path: "/factories/{id}/revoke", web: "Fleet page: Revoke" },
  { command: "factories approve ID", method: "POST", path: "/factories/{id}/approve", web: "Fleet page: Approve (a pending factory)" },
  { command: "watch", method: "GET", path: "/stream", web: "Fleet page: the live map (job events, heartbeats)" },
  { command: "stats", method: "GET", path: "/stats", web: "Overview page: queue, paused products, alerts" },
  { command: "profiles [NAME]", method: "GET", path: "/profiles", web: "Profiles page" },
  { command: "profiles NAME", method: "GET", path: "/profiles/{name}", web: "Profiles page: one profile" },
  { command: "kill-switch status", method: "GET", path: "/kill-switch", web: "Admin page: kill switch state" },
  { command: "kill-switch on|off", method: "POST", path: "/kill-switch", web: "Admin page: Kill switch" },
  { command: "product pause|resume ID", method: "POST", path: "/products/{id}/pause", web: "Admin page: Pause product / Resume" },
  // administration
  { command: "tokens", method: "GET", path: "/tokens", web: "Admin page: API tokens" },
  { command: "tokens create NAME --role R", method: "POST", path: "/tokens", web: "Admin page: Create token" },
  { command: "tokens revoke ID", method: "DELETE", path: "/tokens/{id}", web: "Admin page: Revoke token" },
  { command: "enrollment-tokens", method: "GET", path: "/enrollment-tokens", web: "Admin page: enrollment tokens" },
  { command: "enrollment-tokens create NAME", method: "POST", path: "/enrollment-tokens", web: "Admin page: Create enrollment token" },
  { command: "enrollment-tokens revoke ID", method: "DELETE", path: "/enrollment-tokens/{id}", web: "Admin page: Revoke enrollment token" },
  { command: "users", method: "GET", path: "/users", web: "Admin page: users" },
  { command: "users role ID ROLE", method: "PUT", path: "/users/{id}", web: "Admin page: a user's role" },
  { command: "alerts", method: "GET", path: "/alerts", web: "Admin page: alerts (sinks, open, deliveries)" },
  { command: "alerts sinks --webhook-url URL", method: "PUT", path: "/alerts/sinks", web: "Admin page: Save alert sinks" },
  { command: "alerts test", method: "POST", path: "/alerts/test", web: "Admin page: Send test alert" },
  { command: "alerts retry DELIVERY", method: "POST", path: "/alerts/deliveries/{id}/retry", web: "Admin page: Retry delivery" },
  { command: "protected-paths", method: "GET", path: "/protected-paths", web: "Admin page: protected paths" },
  { command: "protected-paths set --glob G", method: "PUT", path: "/protected-paths", web: "Admin page: Save protected paths" },
  { command: "scheduling", method: "GET", path: "/scheduling", web: "Admin page: scheduling weights and SLAs" },
  { command: "scheduling set FILE.json", method: "PUT", path: "/scheduling", web: "Admin page: Save scheduling" },
  { command: "trackers", method: "GET", path: "/trackers", web: "Admin page: trackers" },
];

/**
 * Routes with no CLI command, each with why: they are for factories (the agent), trackers
 * (webhooks), probes and machines, not for a person at a terminal.
 */
export const NOT_IN_CLI: { route: string; why: string }[] = [
  { route: "POST /factories", why: "a factory registers itself (fleet-agent, enrollment token)" },
  { route: "PUT /factories/{id}/heartbeat", why: "the agent's heartbeat" },
  { route: "POST /leases/claim", why: "the agent claims work" },
  { route: "POST /leases/{id}/renew", why: "the agent renews its lease" },
  { route: "POST /leases/{id}/events", why: "the agent reports a run's events" },
  { route: "POST /leases/{id}/complete", why: "the agent reports a run's result" },
  { route: "PUT /leases/{id}/artifacts/{name}", why: "the agent uploads artifacts" },
  { route: "POST /runs/import", why: "the agent hands over runs it did offline" },
  { route: "POST /webhooks/github", why: "GitHub calls it, signed" },
  { route: "POST /webhooks/linear", why: "Linear calls it, signed" },
  { route: "GET /healthz", why: "a probe for load balancers" },
  { route: "GET /ping", why: "a liveness probe" },
  { route: "GET /metrics", why: "Prometheus scrapes it" },
];

/** The README's CLI section: one line per command, from the table. */
export function cliReference(): string {
  const width = Math.max(...CLI_TABLE.map((r) => r.command.length)) + 6;
  return CLI_TABLE.map((r) => `fleet ${r.command}`.padEnd(width) + `${r.method} ${r.path}${r.action ? ` {action: ${r.action}}` : ""}  · ${r.web}`).join("\n");
}
