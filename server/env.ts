import "server-only";
import { z } from "zod";
import { parseDuration } from "@/lib/duration";
import { DEFAULT_ARTIFACT_JOB_MAX_BYTES, DEFAULT_ARTIFACT_MAX_BYTES } from "@/lib/artifacts";
import { DEFAULT_ATTEMPT_LOG_BYTES } from "@/lib/limits";
import { MAX_SCORER_WEIGHT, SCORER_NAMES, type ScorerName } from "@/lib/scorers";
import { DEFAULT_LINEAR_API_URL, parseLinearLabel, parseLinearRepos } from "@/server/tracker/linear/config";

/**
 * Every setting of the control plane, parsed once. A bad value stops the process at start with a
 * message naming the variable, instead of failing later in some request.
 */
const port = z.coerce.number().int().min(1).max(65535);
const ms = (min: number) => z.coerce.number().int().min(min);
/** A comma-separated list (spaces allowed around the commas), each item checked by `item`. */
const list = (item: z.ZodString) =>
  z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item).max(100))
    .default([]);
const optionalSecret = z
  .string()
  .min(1)
  .optional()
  .transform((v) => (v === "" ? undefined : v));

/** `FLEET_SCHED_WEIGHTS=fairness=4,load=2`: scorer=weight pairs; each problem names its scorer. */
const schedulerWeights = z.string().transform((text, ctx) => {
  const out: Partial<Record<ScorerName, number>> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z-]+)\s*=\s*(\S+)$/.exec(part);
    const name = m?.[1] as ScorerName | undefined;
    const value = Number(m?.[2]);
    if (!m || !name) ctx.addIssue({ code: "custom", message: `"${part}": expected scorer=weight, e.g. fairness=4` });
    else if (!SCORER_NAMES.includes(name)) ctx.addIssue({ code: "custom", message: `${name}: not a scorer (one of ${SCORER_NAMES.join(", ")})` });
    else if (!Number.isFinite(value) || value < 0 || value > MAX_SCORER_WEIGHT) ctx.addIssue({ code: "custom", message: `${name}: expected a number from 0 to ${MAX_SCORER_WEIGHT}, got ${JSON.stringify(m[2])}` });
    else out[name] = value;
  }
  return out;
});

/** `FLEET_SLA_CRITICAL=5m`: how long a queued job of that priority may wait before it is overdue. */
const slaTarget = z.string().transform((text, ctx) => {
  const d = parseDuration(text);
  if (!d.ok) {
    ctx.addIssue({ code: "custom", message: d.message });
    return z.NEVER;
  }
  return d.ms;
});

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: port.default(3000),
    HOST: z.string().min(1).default("127.0.0.1"),
    FLEET_DATA_DIR: z.string().min(1).default(".data"),
    FLEET_STORE: z.enum(["sqlite", "cosmos"]).default("sqlite"),
    COSMOS_ENDPOINT: z.url().optional(),
    COSMOS_KEY: optionalSecret,
    COSMOS_DATABASE: z.string().min(1).default("gigafactory"),
    FLEET_PRODUCT: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, '.', '_' or '-', up to 64")
      .default("default"),
    FLEET_ENROLLMENT_TOKEN: optionalSecret,
    FLEET_ADMIN_PASSWORD: z.string().min(12, "at least 12 characters (unset, one is generated)").optional(),
    /** password sign-in backoff per user name (server/limits/sign-in-throttle.ts) */
    FLEET_SIGNIN_FREE_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    FLEET_SIGNIN_BACKOFF_MS: ms(100).default(1_000),
    FLEET_SIGNIN_MAX_BACKOFF_MS: ms(1000).default(900_000),
    /** abuse limits (server/limits): 429 with Retry-After past them */
    FLEET_MAX_STREAMS_PER_PRINCIPAL: z.coerce.number().int().min(1).max(10_000).default(16),
    FLEET_MAX_CLAIMS_PER_FACTORY: z.coerce.number().int().min(1).max(1_000).default(4),
    FLEET_REGISTRATIONS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
    /** "1": a newly registered factory is held (status pending, no work) until an admin approves it */
    FLEET_APPROVE_NEW_FACTORIES: z.enum(["0", "1"]).default("0"),
    FLEET_ADMIN_TOKEN: optionalSecret,
    FLEET_METRICS_TOKEN: optionalSecret,
    FLEET_LEASE_TTL_MS: ms(1000).default(60_000),
    FLEET_HEARTBEAT_MS: ms(100).default(10_000),
    FLEET_SWEEP_MS: ms(100).default(5_000),
    FLEET_OFFLINE_AFTER_MS: ms(1000).default(30_000),
    /** a leased job with no log for this long raises a job_stalled alert */
    FLEET_STALL_MS: ms(1000).default(600_000),
    /** this many failures (failed, dead-lettered, lease expired) within the window raise failure_spike */
    FLEET_FAILURE_SPIKE: z.coerce.number().int().min(1).default(5),
    FLEET_FAILURE_WINDOW_MS: ms(1000).default(600_000),
    /** retention: prune logs and events of jobs terminal for longer than this many days (off when unset) */
    FLEET_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
    FLEET_RETENTION_LOGS_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
    FLEET_RETENTION_EVENTS_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
    /** scheduler scorer weights over the defaults (server/scheduler/config.ts); the Admin page overrides them */
    FLEET_SCHED_WEIGHTS: schedulerWeights.optional(),
    /** SLA targets per priority (defaults 5m / 30m / 4h / 24h); the Admin page overrides them */
    FLEET_SLA_CRITICAL: slaTarget.optional(),
    FLEET_SLA_HIGH: slaTarget.optional(),
    FLEET_SLA_MEDIUM: slaTarget.optional(),
    FLEET_SLA_LOW: slaTarget.optional(),
    FLEET_MAX_BODY_BYTES: ms(1024).default(1_048_576),
    /** log text stored per attempt; past it the truncation marker, then only the last 64 KiB (lib/limits.ts) */
    FLEET_MAX_LOG_BYTES: ms(65_536).default(DEFAULT_ATTEMPT_LOG_BYTES),
    /** where uploaded artifacts live (server/artifacts): a directory (default `<data dir>/artifacts`) or an Azure Blob container URL */
    FLEET_ARTIFACTS: z.string().min(1).optional(),
    /** the blob container's credential when FLEET_ARTIFACTS names one without a SAS token */
    AZURE_STORAGE_CONNECTION_STRING: optionalSecret,
    /** one artifact's size, and all of one job's stored artifacts together */
    FLEET_ARTIFACT_MAX_BYTES: ms(1).default(DEFAULT_ARTIFACT_MAX_BYTES),
    FLEET_ARTIFACT_JOB_MAX_BYTES: ms(1).default(DEFAULT_ARTIFACT_JOB_MAX_BYTES),
    NEXTAUTH_SECRET: optionalSecret,
    NEXTAUTH_URL: z.url().optional(),
    GITHUB_ID: optionalSecret,
    GITHUB_SECRET: optionalSecret,
    AZURE_AD_CLIENT_ID: optionalSecret,
    AZURE_AD_CLIENT_SECRET: optionalSecret,
    AZURE_AD_TENANT_ID: optionalSecret,
    /** who OAuth sign-in admits (server/auth/oauth-admission.ts); nobody by default */
    FLEET_GITHUB_ALLOWED_ORGS: list(z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "a GitHub organization login")),
    FLEET_AZURE_ALLOWED_TENANTS: list(z.string().regex(/^[0-9a-fA-F-]{36}$/, "a tenant id (a GUID), not common/organizations/consumers")),
    FLEET_OAUTH_ALLOWED_DOMAINS: list(z.string().regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, "an e-mail domain like example.com")),
    /** the GitHub API sign-in asks for org membership and verified e-mails (GitHub Enterprise: https://HOST/api/v3) */
    GITHUB_API_URL: z.url({ protocol: /^https?$/ }).default("https://api.github.com"),
    /** the GitHub forge (server/forge/github): a fine-grained token (contents + pull requests: write); unset, GitHub repos ship as plain git */
    GITHUB_TOKEN: optionalSecret,
    /** how Ship merges a job's pull request */
    FLEET_GITHUB_MERGE_METHOD: z.enum(["squash", "merge", "rebase"]).default("squash"),
    /** how often open pull requests are read again when no webhook says so (0: never) */
    FLEET_GITHUB_POLL_MS: ms(0).default(60_000),
    /** plain git: base branches a `delivery: merge` job is refused for (a forge says itself which branches it protects) */
    FLEET_PROTECTED_BRANCHES: list(z.string().regex(/^(?!-)[^\s~^:?*[\\]+$/, "a branch name")),
    /** tracker poller fallback (server/coordinator/tracker-poll.ts): owner/repo scopes whose agent:run issues are imported without a webhook */
    FLEET_TRACKER_POLL_REPOS: list(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9_.-]{1,100}$/, "owner/repo")),
    FLEET_TRACKER_POLL_MS: ms(0).default(60_000),
    /** logins of our own bot (the token's user): tracker events they author are ignored (no loops) */
    FLEET_TRACKER_BOT: list(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}(?:\[bot\])?$/, "a GitHub login")),
    /** the mention that makes an item comment a follow-up prompt */
    FLEET_TRACKER_MENTION: z.string().regex(/^@[A-Za-z0-9][A-Za-z0-9-]{0,38}$/, "@login").default("@gigafactory"),
    /** alerts (server/alerts): a JSON webhook signed with the secret, a Slack incoming webhook, e-mail over SMTP */
    FLEET_ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    FLEET_ALERT_WEBHOOK_SECRET: z.string().min(16, "at least 16 characters").optional(),
    FLEET_ALERT_SLACK_URL: z.url({ protocol: /^https?$/ }).optional(),
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be smtp://… or smtps://…" }).optional(),
    FLEET_ALERT_EMAIL_FROM: z.email().optional(),
    FLEET_ALERT_EMAIL_TO: z
      .string()
      .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.email()).min(1).max(20))
      .optional(),
    FLEET_ALERT_QUIET_MS: ms(1000).default(3_600_000),
    FLEET_ALERT_RETRY_MS: ms(10).default(5_000),
    /** the secret of the GitHub webhook (POST /api/fleet/webhooks/github verifies X-Hub-Signature-256 with it); unset, the route answers 503 */
    GITHUB_WEBHOOK_SECRET: optionalSecret,
    /** the Linear tracker (server/tracker/linear): a personal API key or an OAuth token; unset, Linear is not connected */
    LINEAR_API_KEY: optionalSecret,
    /** the Linear webhook's signing secret (POST /api/fleet/webhooks/linear checks Linear-Signature with it); unset, the route answers 503 */
    LINEAR_WEBHOOK_SECRET: optionalSecret,
    /** Linear's GraphQL endpoint (tests point it at a local double; http only on loopback, the SDK refuses otherwise) */
    LINEAR_API_URL: z.url({ protocol: /^https?$/ }).default(DEFAULT_LINEAR_API_URL),
    /** which repository a Linear team's issues run in: `ENG=https://github.com/o/r.git,OPS=…` (a Linear issue names none) */
    FLEET_LINEAR_REPOS: z
      .string()
      .optional()
      .transform((text, ctx) => {
        const r = parseLinearRepos(text);
        if (!r.ok) for (const message of r.problems) ctx.addIssue({ code: "custom", message });
        return r.ok ? r.repos : new Map<string, string>();
      }),
    /** the label that hands a Linear issue to the fleet (default agent:run; agent:run:<profile> picks a profile) */
    FLEET_LINEAR_LABEL: z
      .string()
      .optional()
      .transform((text, ctx) => {
        const r = parseLinearLabel(text);
        if (!r.ok) ctx.addIssue({ code: "custom", message: r.problem });
        return r.ok ? r.label : "";
      }),
    /** "1": validate every API answer against its route's declared schema (on by default unless NODE_ENV=production) */
    FLEET_CHECK_RESPONSES: z.enum(["0", "1"]).optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.FLEET_STORE === "cosmos") {
      for (const key of ["COSMOS_ENDPOINT", "COSMOS_KEY"] as const) {
        if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "required when FLEET_STORE=cosmos" });
      }
    }
    if (env.FLEET_ALERT_WEBHOOK_URL && !env.FLEET_ALERT_WEBHOOK_SECRET) {
      ctx.addIssue({ code: "custom", path: ["FLEET_ALERT_WEBHOOK_SECRET"], message: "required when FLEET_ALERT_WEBHOOK_URL is set (the body is HMAC-signed with it)" });
    }
    if (env.SMTP_URL && (!env.FLEET_ALERT_EMAIL_FROM || !env.FLEET_ALERT_EMAIL_TO)) {
      ctx.addIssue({ code: "custom", path: [env.FLEET_ALERT_EMAIL_FROM ? "FLEET_ALERT_EMAIL_TO" : "FLEET_ALERT_EMAIL_FROM"], message: "required when SMTP_URL is set" });
    }
    // OAuth admits nobody unless told whom: no `common` Azure tenant, no "any GitHub account".
    if (env.GITHUB_ID && env.FLEET_GITHUB_ALLOWED_ORGS.length === 0 && env.FLEET_OAUTH_ALLOWED_DOMAINS.length === 0) {
      ctx.addIssue({ code: "custom", path: ["FLEET_GITHUB_ALLOWED_ORGS"], message: "GitHub sign-in needs FLEET_GITHUB_ALLOWED_ORGS or FLEET_OAUTH_ALLOWED_DOMAINS (otherwise any GitHub account could sign in)" });
    }
    if (env.AZURE_AD_CLIENT_ID) {
      const tenant = env.AZURE_AD_TENANT_ID?.toLowerCase();
      const multi = tenant === undefined || ["common", "organizations", "consumers"].includes(tenant);
      if (multi && env.FLEET_AZURE_ALLOWED_TENANTS.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["AZURE_AD_TENANT_ID"],
          message: `set it to your tenant id${tenant ? ` (not ${tenant}: any Microsoft account could sign in)` : ""}, or list the tenants a multi-tenant app admits in FLEET_AZURE_ALLOWED_TENANTS`,
        });
      }
    }
    if (env.FLEET_ARTIFACTS && /^https?:\/\//i.test(env.FLEET_ARTIFACTS)) {
      const problem = blobUrlProblem(env.FLEET_ARTIFACTS, Boolean(env.AZURE_STORAGE_CONNECTION_STRING));
      if (problem) ctx.addIssue({ code: "custom", path: ["FLEET_ARTIFACTS"], message: problem });
    }
    if (env.FLEET_ARTIFACT_MAX_BYTES > env.FLEET_ARTIFACT_JOB_MAX_BYTES) {
      ctx.addIssue({ code: "custom", path: ["FLEET_ARTIFACT_MAX_BYTES"], message: `must not be larger than FLEET_ARTIFACT_JOB_MAX_BYTES (${env.FLEET_ARTIFACT_JOB_MAX_BYTES})` });
    }
    if (env.FLEET_HEARTBEAT_MS >= env.FLEET_LEASE_TTL_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["FLEET_HEARTBEAT_MS"],
        message: `must be shorter than FLEET_LEASE_TTL_MS (${env.FLEET_LEASE_TTL_MS})`,
      });
    }
  });

/**
 * Why a blob container URL cannot be used, or undefined: `https://<account>.blob.core.windows.net/<container>?<sas>`,
 * or an emulator's `http://127.0.0.1:10000/<account>/<container>`; without a SAS token the credential
 * comes from AZURE_STORAGE_CONNECTION_STRING.
 */
function blobUrlProblem(text: string, haveConnectionString: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "not a URL (a directory, or an Azure Blob container URL)";
  }
  const segments = url.pathname.split("/").filter(Boolean);
  const local = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && !local) return "use https:// (plain http only for an emulator on this machine)";
  if (segments.length !== (local ? 2 : 1)) return local ? "expected http://127.0.0.1:<port>/<account>/<container>" : "expected https://<account>.blob.core.windows.net/<container>?<sas>";
  if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(segments[segments.length - 1]!)) return "the container name: 3-63 lower-case letters, digits and single hyphens";
  if (!url.searchParams.has("sig") && !haveConnectionString) return "needs a SAS token in the URL (?sv=…&sig=…) or AZURE_STORAGE_CONNECTION_STRING";
  return undefined;
}

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      "Invalid environment:\n" +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n") +
        "\nFix the variable (see .env.example) and start again.",
    );
    this.name = "EnvError";
  }
}

/** Parses an environment; throws EnvError naming each bad variable. Empty strings count as unset. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? "(environment)"), message: issue.message })),
    );
  }
  return result.data;
}

/** Check mode of the route builder (server/http/check.ts): tests and development, never silently off there. */
export function checkResponses(e: Env): boolean {
  return e.FLEET_CHECK_RESPONSES === undefined ? e.NODE_ENV !== "production" : e.FLEET_CHECK_RESPONSES === "1";
}

let cached: Env | undefined;

/** The process environment, parsed on first use and then kept. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests only: forget the parsed environment so a changed process.env is read again. */
export function resetEnvForTests(): void {
  cached = undefined;
}
