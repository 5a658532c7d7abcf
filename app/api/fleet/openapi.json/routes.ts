/**
 * Every /api/fleet route module, for the generated OpenAPI document. routes.test.ts fails when a
 * route file is missing here or exports a method without a spec, so this list cannot drift.
 */
import type { RouteHandler } from "@/server/http/route";
import * as r1 from "../alerts/deliveries/[id]/retry/route";
import * as r2 from "../alerts/route";
import * as r3 from "../alerts/sinks/route";
import * as r4 from "../alerts/test/route";
import * as r5 from "../dag/route";
import * as r6 from "../factories/[id]/drain/route";
import * as r7 from "../factories/[id]/heartbeat/route";
import * as r8 from "../factories/[id]/revoke/route";
import * as r9 from "../factories/route";
import * as rApprove from "../factories/[id]/approve/route";
import * as rEnrollment from "../enrollment-tokens/route";
import * as rEnrollmentId from "../enrollment-tokens/[id]/route";
import * as r10 from "../healthz/route";
import * as r11 from "../jobs/[id]/actions/route";
import * as r12 from "../jobs/[id]/events/route";
import * as r13 from "../jobs/[id]/route";
import * as r14 from "../jobs/[id]/stream/route";
import * as r15 from "../jobs/route";
import * as r16 from "../kill-switch/route";
import * as r17 from "../leases/[id]/complete/route";
import * as r18 from "../leases/[id]/events/route";
import * as r19 from "../leases/[id]/renew/route";
import * as r20 from "../leases/claim/route";
import * as r21 from "../metrics/route";
import * as r22 from "../ping/route";
import * as r23 from "../products/[id]/pause/route";
import * as r24 from "../profiles/[name]/route";
import * as r25 from "../profiles/route";
import * as r26 from "../stats/route";
import * as rScheduling from "../scheduling/route";
import * as rProtectedPaths from "../protected-paths/route";
import * as r27 from "../stream/route";
import * as r28 from "../tokens/[id]/route";
import * as r29 from "../tokens/route";
import * as r30 from "../users/[id]/route";
import * as r31 from "../users/route";
import * as rWebhookGithub from "../webhooks/github/route";
import * as rWebhookLinear from "../webhooks/linear/route";
import * as r32 from "../jobs/[id]/logs/route";
import * as rJobArtifact from "../jobs/[id]/artifacts/[...name]/route";
import * as rLeaseArtifact from "../leases/[id]/artifacts/[...name]/route";
import * as rRunsImport from "../runs/import/route";
import * as rTrackerImport from "../tracker/import/route";
import * as rTrackers from "../trackers/route";

export const ROUTE_MODULES: Record<string, Record<string, unknown>> = {
  "alerts/deliveries/[id]/retry/route.ts": r1,
  "alerts/route.ts": r2,
  "alerts/sinks/route.ts": r3,
  "alerts/test/route.ts": r4,
  "dag/route.ts": r5,
  "factories/[id]/drain/route.ts": r6,
  "factories/[id]/heartbeat/route.ts": r7,
  "factories/[id]/revoke/route.ts": r8,
  "factories/route.ts": r9,
  "factories/[id]/approve/route.ts": rApprove,
  "enrollment-tokens/route.ts": rEnrollment,
  "enrollment-tokens/[id]/route.ts": rEnrollmentId,
  "healthz/route.ts": r10,
  "jobs/[id]/actions/route.ts": r11,
  "jobs/[id]/events/route.ts": r12,
  "jobs/[id]/logs/route.ts": r32,
  "jobs/[id]/artifacts/[...name]/route.ts": rJobArtifact,
  "jobs/[id]/route.ts": r13,
  "jobs/[id]/stream/route.ts": r14,
  "jobs/route.ts": r15,
  "kill-switch/route.ts": r16,
  "leases/[id]/complete/route.ts": r17,
  "leases/[id]/events/route.ts": r18,
  "leases/[id]/artifacts/[...name]/route.ts": rLeaseArtifact,
  "leases/[id]/renew/route.ts": r19,
  "leases/claim/route.ts": r20,
  "metrics/route.ts": r21,
  "ping/route.ts": r22,
  "products/[id]/pause/route.ts": r23,
  "profiles/[name]/route.ts": r24,
  "profiles/route.ts": r25,
  "runs/import/route.ts": rRunsImport,
  "scheduling/route.ts": rScheduling,
  "protected-paths/route.ts": rProtectedPaths,
  "stats/route.ts": r26,
  "stream/route.ts": r27,
  "tracker/import/route.ts": rTrackerImport,
  "trackers/route.ts": rTrackers,
  "tokens/[id]/route.ts": r28,
  "tokens/route.ts": r29,
  "users/[id]/route.ts": r30,
  "users/route.ts": r31,
  "webhooks/github/route.ts": rWebhookGithub,
  "webhooks/linear/route.ts": rWebhookLinear,
};

/** The specs of every exported method handler. */
export function routeSpecs() {
  return Object.values(ROUTE_MODULES).flatMap((m) => Object.values(m).filter((v): v is RouteHandler => typeof v === "function" && "spec" in v).map((h) => h.spec));
}
