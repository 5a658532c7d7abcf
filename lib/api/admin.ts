import { z } from "zod";
import { ROLES } from "./roles";

export const killSwitchRequest = z.object({
  on: z.boolean(),
  reason: z.string().max(1_000).default(""),
});
export type KillSwitchRequest = z.infer<typeof killSwitchRequest>;

export const killSwitchView = z.object({ on: z.boolean(), reason: z.string(), by: z.string(), at: z.string() });

/** `POST /products/{id}/pause`: stop (or resume) claims of one product's jobs; running work finishes. */
export const productPauseRequest = z.object({
  paused: z.boolean(),
  reason: z.string().max(1_000).default(""),
});
export type ProductPauseRequest = z.infer<typeof productPauseRequest>;
export const productPauseView = z.object({ productId: z.string(), paused: z.boolean(), pausedProducts: z.array(z.string()) });

export const alertView = z.object({
  kind: z.enum(["job_stalled", "failure_spike", "budget_exceeded", "factory_offline", "dead_letter"]),
  subject: z.string(),
  message: z.string(),
  since: z.string(),
});
export const statsView = z.looseObject({
  queueDepth: z.record(z.string(), z.number()),
  pausedProducts: z.array(z.string()),
  alerts: z.array(alertView),
});

export const createApiTokenRequest = z.object({
  name: z.string().min(1).max(100),
  role: z.enum(ROLES),
});
export type CreateApiTokenRequest = z.infer<typeof createApiTokenRequest>;

export const apiTokenView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});
/** The token itself is shown once, at creation. */
export const createdApiToken = apiTokenView.extend({ token: z.string() });

export const factoryView = z.object({
  id: z.string(),
  name: z.string(),
  os: z.string(),
  arch: z.string(),
  version: z.string(),
  capabilities: z.array(z.string()),
  stations: z.array(z.object({ engine: z.string(), slots: z.number() })),
  free: z.array(z.object({ engine: z.string(), slots: z.number() })),
  /** repositories the factory keeps a cache of (`repo:web`): the warm-checkout score term */
  warm: z.array(z.string()),
  /** USD per hour, as the factory reports it (`--cost-per-hour`): the cost-fit score term */
  costPerHour: z.number(),
  /** pending: held until an admin approves it (FLEET_APPROVE_NEW_FACTORIES); it gets no work meanwhile */
  status: z.enum(["pending", "online", "offline", "draining", "revoked"]),
  health: z.enum(["pending", "online", "offline", "draining", "revoked"]),
  load: z.number(),
  running: z.number().int(),
  lastHeartbeatAt: z.string(),
  secondsSinceHeartbeat: z.number(),
});
export type FactoryView = z.infer<typeof factoryView>;
export const factoryList = z.object({ items: z.array(factoryView) });
export const apiTokenList = z.object({ items: z.array(apiTokenView) });
