import "server-only";
/**
 * The coordinator: every use case the HTTP routes call, as functions over one CoordinatorContext.
 * Routes stay thin (parse, authorize, call one of these); policies live in completion.ts and
 * choose-job.ts so the next issues can replace them without touching the routes.
 */
export type { CoordinatorContext } from "./context";
export { SettingsCache, createCoordinatorContext, type CoordinatorOptions } from "./context";
export { Notifier } from "./notifier";
export { Metrics } from "./metrics";
export { LogRedactors } from "./redaction";
export { submitJob } from "./submit";
export { importRun } from "./run-import";
export { listJobs, getJob, jobEvents, dag, requireJob } from "./jobs";
export { actOnJob, type ActionRequest, type Actor } from "./actions";
export type { Submission, ProfileSource, ProfileInfo } from "./job-input";
export { registerFactory, heartbeat, drainFactory, revokeFactory, listFactories } from "./factories";
export { claim } from "./claim";
export { renew, appendAgentEvents, complete } from "./leases";
export { streamJob, streamFleet } from "./live";
export { openJobLog } from "./job-log";
export { sweepOnce, startSweeper } from "./sweeper";
export { setKillSwitch, getKillSwitch, setProductPaused } from "./switches";
export { createApiToken, listApiTokens, revokeApiToken } from "./api-tokens";
export { stats, metricsText } from "./stats";
export { listUsers, setUserRole } from "./users";
export { getSchedulingSettings, saveSchedulingSettings } from "./scheduling";
export { getProtectedPaths, saveProtectedPaths } from "./protected-paths";
