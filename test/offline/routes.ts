/** The app's route handlers the offline-edge suites mount (test/harness/in-process.ts). */
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as jobActionsRoute from "@/app/api/fleet/jobs/[id]/actions/route";
import * as jobEventsRoute from "@/app/api/fleet/jobs/[id]/events/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as eventsRoute from "@/app/api/fleet/leases/[id]/events/route";
import * as renewRoute from "@/app/api/fleet/leases/[id]/renew/route";
import * as runsImportRoute from "@/app/api/fleet/runs/import/route";
import * as jobLogsRoute from "@/app/api/fleet/jobs/[id]/logs/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";

export const OFFLINE_EDGE_ROUTES = [factoriesRoute, heartbeatRoute, claimRoute, renewRoute, eventsRoute, completeRoute, jobsRoute, jobRoute, jobEventsRoute, jobActionsRoute, runsImportRoute, jobLogsRoute];
