import "server-only";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { AuthOptions } from "next-auth";
import { env, EnvError, type Env } from "./env";
import { log } from "./log";
import { openStore } from "./store";
import type { Store } from "./store/port";
import { buildAuthOptions, LOCAL_ADMIN } from "./auth/nextauth";
import { generatePassword, hashPassword, verifyPassword } from "./auth/password";
import type { AuthDeps } from "./auth/principal";
import { generateToken, hashToken } from "./auth/tokens";
import { createCoordinatorContext, LogRedactors, Metrics, Notifier, SettingsCache, startSweeper, type CoordinatorContext } from "./coordinator";
import { fileProfileSource } from "./coordinator/profiles";
import { buildRequestLimits, type RequestLimits } from "./limits";
import { forgeConfig } from "./forge";
import { githubAdapter } from "./forge/github/adapter";
import { githubTracker } from "./tracker/github/adapter";
import { linearTrackerFromEnv } from "./tracker/linear/from-env";
import { openArtifactStore } from "./artifacts/open";
import { ArtifactService } from "./artifacts/service";

/**
 * The one module that builds the singletons: env → store → coordinator context → sweeper. Kept on
 * globalThis because Next bundles instrumentation.ts and each route separately: without it the
 * sweeper and the routes would each open their own store and notifier.
 *
 * First start: the enrollment token (unless FLEET_ENROLLMENT_TOKEN is set) and NEXTAUTH_SECRET are
 * generated and kept in `<data dir>/secrets.json` (mode 0600); the local admin's password (unless
 * FLEET_ADMIN_PASSWORD is set) is generated, printed ONCE through the logger, and only its hash kept.
 */
export interface Services {
  env: Env;
  store: Store;
  ctx: CoordinatorContext;
  auth: AuthDeps;
  authOptions: AuthOptions;
  /** per-process abuse limits of the HTTP layer (server/limits) */
  limits: RequestLimits;
  /** uploaded artifacts (server/artifacts): FLEET_ARTIFACTS, a directory or a blob container */
  artifacts: ArtifactService;
  /** stops background work and closes the store (tests, graceful shutdown) */
  stop(): Promise<void>;
}

interface KeptSecrets {
  enrollmentToken?: string;
  nextAuthSecret: string;
}

const KEY = Symbol.for("gigafactory.services");
const holder = globalThis as unknown as { [KEY]?: Promise<Services> };

/**
 * `next build` loads route modules and prerenders pages in worker processes that see NEXT_PHASE.
 * Nothing it runs may open the store, generate secrets or start the sweeper: a fresh clone's
 * first `npm start` must find an untouched data dir (and print the first-start secrets itself).
 */
export function duringBuild(): boolean {
  return process.env.NEXT_PHASE === "phase-production-build";
}

export function services(): Promise<Services> {
  if (duringBuild()) return Promise.reject(new Error("the coordinator is not started during `next build` (a page that needs it must be dynamic)"));
  holder[KEY] ??= build().catch((err) => {
    // Let the next request try again (e.g. the store was briefly unreachable at start).
    holder[KEY] = undefined;
    throw err;
  });
  return holder[KEY];
}

/** Called from instrumentation.ts at server start: opens everything and starts the sweeper. */
export async function startBackground(): Promise<void> {
  if (duringBuild()) return;
  try {
    await services();
  } catch (err) {
    // A bad setting never fixes itself: stop now, naming the variable (server/env.ts).
    if (err instanceof EnvError) {
      log.fatal(err.message);
      process.exit(1);
    }
    // Anything else (say the store is briefly unreachable) must not fail Next's startup hook: Next
    // would keep that failure and answer 500 forever. services() forgets the failed attempt, so the
    // next request tries again and /healthz reports the store as down meanwhile.
    log.error({ err }, "could not start the coordinator yet; the next request will try again");
  }
}

function keptSecrets(dataDir: string, wantEnrollment: boolean): { secrets: KeptSecrets; generatedEnrollment: boolean } {
  const file = path.join(dataDir, "secrets.json");
  let secrets: KeptSecrets | undefined;
  try {
    secrets = JSON.parse(readFileSync(file, "utf8")) as KeptSecrets;
  } catch {
    secrets = undefined;
  }
  let generatedEnrollment = false;
  if (!secrets || (wantEnrollment && !secrets.enrollmentToken)) {
    secrets = {
      nextAuthSecret: secrets?.nextAuthSecret ?? randomBytes(32).toString("base64url"),
      ...(wantEnrollment ? { enrollmentToken: secrets?.enrollmentToken ?? generateToken("enrollment") } : {}),
    };
    generatedEnrollment = wantEnrollment;
    writeFileSync(file, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600 });
  }
  return { secrets, generatedEnrollment };
}

async function ensureLocalAdmin(store: Store, e: Env, productId: string): Promise<void> {
  const existing = await store.getUser(LOCAL_ADMIN);
  const now = Date.now();
  if (e.FLEET_ADMIN_PASSWORD) {
    if (existing && (await verifyPassword(e.FLEET_ADMIN_PASSWORD, existing.passwordHash))) return;
    await store.upsertUser({ id: LOCAL_ADMIN, productId, name: "Local admin", role: "admin", passwordHash: await hashPassword(e.FLEET_ADMIN_PASSWORD), provider: "credentials", now });
    return;
  }
  if (existing?.passwordHash) return;
  const password = generatePassword();
  await store.upsertUser({ id: LOCAL_ADMIN, productId, name: "Local admin", role: "admin", passwordHash: await hashPassword(password), provider: "credentials", now });
  log.warn({ user: LOCAL_ADMIN, password }, "generated the local admin's password; it is shown only this once (set FLEET_ADMIN_PASSWORD to choose one)");
}

async function build(): Promise<Services> {
  const e = env();
  const dataDir = path.resolve(e.FLEET_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const { secrets, generatedEnrollment } = keptSecrets(dataDir, !e.FLEET_ENROLLMENT_TOKEN);
  const enrollmentToken = e.FLEET_ENROLLMENT_TOKEN ?? secrets.enrollmentToken!;
  if (generatedEnrollment) {
    log.warn({ enrollmentToken, keptIn: path.join(dataDir, "secrets.json") }, "generated the factory enrollment token (pass it to fleet-agent --token)");
  }
  const nextAuthSecret = e.NEXTAUTH_SECRET ?? secrets.nextAuthSecret;
  // next-auth reads these from the environment in places we do not control.
  process.env.NEXTAUTH_SECRET = nextAuthSecret;
  if (!e.NEXTAUTH_URL) {
    const host = e.HOST === "0.0.0.0" || e.HOST === "::" ? "localhost" : e.HOST;
    process.env.NEXTAUTH_URL = `http://${host}:${e.PORT}`;
  }

  const store = await openStore(
    e.FLEET_STORE === "cosmos"
      ? { kind: "cosmos", endpoint: e.COSMOS_ENDPOINT!, key: e.COSMOS_KEY!, database: e.COSMOS_DATABASE }
      : { kind: "sqlite", file: path.join(dataDir, "fleet.db") },
  );
  await ensureLocalAdmin(store, e, e.FLEET_PRODUCT);
  const artifactStore = await openArtifactStore({
    dataDir,
    ...(e.FLEET_ARTIFACTS ? { setting: e.FLEET_ARTIFACTS } : {}),
    ...(e.AZURE_STORAGE_CONNECTION_STRING ? { connectionString: e.AZURE_STORAGE_CONNECTION_STRING } : {}),
  });

  const now = () => Date.now();
  const ctx: CoordinatorContext = createCoordinatorContext({
    store,
    now,
    productId: e.FLEET_PRODUCT,
    leaseTtlMs: e.FLEET_LEASE_TTL_MS,
    heartbeatMs: e.FLEET_HEARTBEAT_MS,
    offlineAfterMs: e.FLEET_OFFLINE_AFTER_MS,
    pollMs: 1_000,
    notifier: new Notifier(),
    metrics: new Metrics(),
    redactors: new LogRedactors(now, e.FLEET_MAX_LOG_BYTES),
    profiles: fileProfileSource(path.resolve("profiles"), now),
    settings: new SettingsCache(store, now),
    policy: { stallMs: e.FLEET_STALL_MS, failureSpike: e.FLEET_FAILURE_SPIKE, failureWindowMs: e.FLEET_FAILURE_WINDOW_MS },
    sla: {
      ...(e.FLEET_SLA_CRITICAL !== undefined ? { critical: e.FLEET_SLA_CRITICAL } : {}),
      ...(e.FLEET_SLA_HIGH !== undefined ? { high: e.FLEET_SLA_HIGH } : {}),
      ...(e.FLEET_SLA_MEDIUM !== undefined ? { medium: e.FLEET_SLA_MEDIUM } : {}),
      ...(e.FLEET_SLA_LOW !== undefined ? { low: e.FLEET_SLA_LOW } : {}),
    },
    ...(e.FLEET_SCHED_WEIGHTS ? { schedulerWeights: e.FLEET_SCHED_WEIGHTS } : {}),
    // GitHub (pull requests, Ship merges them) only with a token; without one a GitHub repo ships as plain git.
    forge: forgeConfig({
      githubApiUrl: e.GITHUB_API_URL,
      adapters: e.GITHUB_TOKEN ? [githubAdapter({ token: e.GITHUB_TOKEN, apiUrl: e.GITHUB_API_URL, mergeMethod: e.FLEET_GITHUB_MERGE_METHOD })] : [],
      pollMs: e.FLEET_GITHUB_POLL_MS,
      publicUrl: process.env.NEXTAUTH_URL!,
      protectedBranches: e.FLEET_PROTECTED_BRANCHES,
    }),
    // GitHub Issues as a tracker with the same token (issues: write); Linear joins here with LINEAR_API_KEY.
    tracker: {
      ports: [...(e.GITHUB_TOKEN ? [githubTracker({ token: e.GITHUB_TOKEN, apiUrl: e.GITHUB_API_URL })] : []), ...(e.LINEAR_API_KEY ? [linearTrackerFromEnv(e)!] : [])],
      botLogins: e.FLEET_TRACKER_BOT,
      mention: e.FLEET_TRACKER_MENTION,
      pollRepos: e.FLEET_TRACKER_POLL_REPOS,
      pollMs: e.FLEET_TRACKER_POLL_MS,
      publicUrl: process.env.NEXTAUTH_URL!,
      poll: new Map(),
    },
    retention: {
      ...(e.FLEET_RETENTION_DAYS !== undefined ? { days: e.FLEET_RETENTION_DAYS } : {}),
      ...(e.FLEET_RETENTION_LOGS_DAYS !== undefined ? { logsDays: e.FLEET_RETENTION_LOGS_DAYS } : {}),
      ...(e.FLEET_RETENTION_EVENTS_DAYS !== undefined ? { eventsDays: e.FLEET_RETENTION_EVENTS_DAYS } : {}),
    },
    alerts: {
      ...(e.FLEET_ALERT_WEBHOOK_URL ? { webhookUrl: e.FLEET_ALERT_WEBHOOK_URL } : {}),
      ...(e.FLEET_ALERT_WEBHOOK_SECRET ? { webhookSecret: e.FLEET_ALERT_WEBHOOK_SECRET } : {}),
      ...(e.FLEET_ALERT_SLACK_URL ? { slackUrl: e.FLEET_ALERT_SLACK_URL } : {}),
      ...(e.SMTP_URL ? { smtpUrl: e.SMTP_URL } : {}),
      ...(e.FLEET_ALERT_EMAIL_FROM ? { emailFrom: e.FLEET_ALERT_EMAIL_FROM } : {}),
      ...(e.FLEET_ALERT_EMAIL_TO ? { emailTo: e.FLEET_ALERT_EMAIL_TO } : {}),
      quietMs: e.FLEET_ALERT_QUIET_MS,
      retryMs: e.FLEET_ALERT_RETRY_MS,
      baseUrl: process.env.NEXTAUTH_URL!,
    },
  });
  const auth: AuthDeps = {
    store,
    enrollmentTokenHash: hashToken(enrollmentToken),
    ...(e.FLEET_ADMIN_TOKEN ? { adminTokenHash: hashToken(e.FLEET_ADMIN_TOKEN) } : {}),
    ...(e.FLEET_METRICS_TOKEN ? { metricsTokenHash: hashToken(e.FLEET_METRICS_TOKEN) } : {}),
    nextAuthSecret,
    trustedOrigins: [new URL(process.env.NEXTAUTH_URL!).origin],
  };
  const authOptions = buildAuthOptions({ store, env: e, secret: nextAuthSecret, productId: e.FLEET_PRODUCT });
  const sweeper = startSweeper(ctx, e.FLEET_SWEEP_MS);
  const artifacts = new ArtifactService(artifactStore, {
    jobs: store,
    now,
    limits: { maxBytes: e.FLEET_ARTIFACT_MAX_BYTES, jobMaxBytes: e.FLEET_ARTIFACT_JOB_MAX_BYTES },
  });
  log.info({ store: store.kind, dataDir, artifacts: `${artifactStore.kind} ${artifactStore.where}`, sweepMs: e.FLEET_SWEEP_MS }, "coordinator ready");
  return {
    env: e,
    store,
    ctx,
    auth,
    authOptions,
    limits: buildRequestLimits(e),
    artifacts,
    async stop() {
      sweeper.stop();
      await store.close();
    },
  };
}
