/**
 * Command-line flags (CONTRACT §3) → a validated `AgentOptions`. Every problem names the flag it is
 * about. Precedence: flag > environment > config file > default.
 */
import type { Env } from "../version";
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseDuration } from "@/lib/duration";
import { UsageError } from "./usage-error";
import { ISOLATION_LEVELS, type IsolationLevel } from "../run/sandbox/isolation";
import type { AgentConfigFile } from "../config/config-file";
import {
  parseEngineList,
  parseTagList,
  validateCostPerHour,
  validateMax,
  validateName,
  validateServer,
  type EngineRequest,
} from "../config/values";

export interface ParsedFlags {
  help: boolean;
  version: boolean;
  detect: boolean;
  once: boolean;
  server?: string;
  token?: string;
  name?: string;
  max?: number;
  workdir?: string;
  engines?: EngineRequest[];
  tags?: string[];
  offline?: string;
  /** --fallback DIR: the folder queue while the coordinator is unreachable */
  fallback?: string;
  /** --fallback-after: how long unreachable before the folder queue is used (ms) */
  fallbackAfterMs?: number;
  /** --offline-only: jobs waiting in the --fallback DIR/inbox stay there when the coordinator is back */
  offlineOnly?: boolean;
  config?: string;
  costPerHour?: number;
  insecureHttp: boolean;
  tokenFile?: string;
  isolation?: IsolationLevel;
  jobNetwork?: boolean;
  jobUser?: string;
}

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  detect: { type: "boolean" },
  once: { type: "boolean" },
  server: { type: "string" },
  token: { type: "string" },
  name: { type: "string" },
  max: { type: "string" },
  workdir: { type: "string" },
  engines: { type: "string" },
  tags: { type: "string" },
  offline: { type: "string" },
  fallback: { type: "string" },
  "fallback-after": { type: "string" },
  "offline-only": { type: "boolean" },
  config: { type: "string" },
  "cost-per-hour": { type: "string" },
  "insecure-http": { type: "boolean" },
  "token-file": { type: "string" },
  isolation: { type: "string" },
  "job-network": { type: "string" },
  "job-user": { type: "string" },
} as const;

/** Parses argv (without node and the script). Throws UsageError naming the flag. */
export function parseFlags(argv: string[]): ParsedFlags {
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
    values = parsed.values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new UsageError(`${(e as Error).message.replace(/\. To specify a positional.*$/s, "")} (see --help)`);
  }
  const str = (k: string) => {
    const v = values[k];
    if (typeof v !== "string") return undefined;
    if (v.trim() === "") throw new UsageError(`--${k} needs a value`);
    return v.trim();
  };
  const flags: ParsedFlags = {
    help: values.help === true,
    version: values.version === true,
    detect: values.detect === true,
    once: values.once === true,
    insecureHttp: values["insecure-http"] === true,
  };
  const server = str("server");
  if (server !== undefined) flags.server = validateServer(server, "--server");
  const token = str("token");
  if (token !== undefined) flags.token = token;
  const name = str("name");
  if (name !== undefined) flags.name = validateName(name, "--name");
  const max = str("max");
  if (max !== undefined) flags.max = validateMax(max, "--max");
  const workdir = str("workdir");
  if (workdir !== undefined) flags.workdir = path.resolve(workdir);
  const engines = str("engines");
  if (engines !== undefined) flags.engines = parseEngineList(engines, "--engines");
  const tags = str("tags");
  if (tags !== undefined) flags.tags = parseTagList(tags, "--tags");
  const offline = str("offline");
  if (offline !== undefined) flags.offline = path.resolve(offline);
  const fallback = str("fallback");
  if (fallback !== undefined) {
    if (offline !== undefined) throw new UsageError("--fallback: --offline DIR already runs the folder queue alone; use --server URL --fallback DIR to fall back to it");
    flags.fallback = path.resolve(fallback);
  }
  const after = str("fallback-after");
  if (after !== undefined) {
    if (fallback === undefined) throw new UsageError("--fallback-after: it says when to use the folder queue of --fallback DIR; pass --fallback too");
    const d = parseDuration(after);
    if (!d.ok) throw new UsageError(`--fallback-after: "${after}": ${d.message}`);
    flags.fallbackAfterMs = d.ms;
  }
  if (values["offline-only"] === true) {
    if (fallback === undefined) throw new UsageError("--offline-only: it keeps the jobs waiting in the inbox of --fallback DIR local when the coordinator is back; pass --fallback too");
    flags.offlineOnly = true;
  }
  const config = str("config");
  if (config !== undefined) flags.config = path.resolve(config);
  const cost = str("cost-per-hour");
  if (cost !== undefined) flags.costPerHour = validateCostPerHour(cost, "--cost-per-hour");
  const tokenFile = str("token-file");
  if (tokenFile !== undefined) {
    if (flags.token !== undefined) throw new UsageError("--token-file: pass the enrollment token once, with --token or --token-file");
    flags.tokenFile = tokenFile === "-" ? "-" : path.resolve(tokenFile);
  }
  const isolation = str("isolation");
  if (isolation !== undefined) {
    if (!(ISOLATION_LEVELS as readonly string[]).includes(isolation)) {
      throw new UsageError(`--isolation: "${isolation}" is not a level; expected one of ${ISOLATION_LEVELS.join(", ")}`);
    }
    flags.isolation = isolation as IsolationLevel;
  }
  const net = str("job-network");
  if (net !== undefined) {
    if (net !== "on" && net !== "off") throw new UsageError(`--job-network: "${net}" must be on or off`);
    flags.jobNetwork = net === "on";
  }
  const jobUser = str("job-user");
  if (jobUser !== undefined) {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/i.test(jobUser)) throw new UsageError(`--job-user: "${jobUser}" is not a user name (letters, digits, _ and -, at most 32)`);
    flags.jobUser = jobUser;
  }
  return flags;
}

/** Loopback hosts, where plain http never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * A factory token sent over plain http to another machine can be read and replayed by anyone on
 * the path, and the jobs it receives can be rewritten: refused unless the user says so.
 */
export function checkTransport(server: string, insecureHttp: boolean): void {
  const url = new URL(server);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !insecureHttp) {
    throw new UsageError(
      `--server: ${server} is plain http to another machine: tokens and jobs would cross the network unencrypted. Use https, or pass --insecure-http if this network is trusted`,
    );
  }
}

/** The enrollment token from --token-file (a file, or "-" for stdin), trimmed; never from argv. */
export function readTokenFile(file: string, readStdin: () => string): string {
  let text: string;
  try {
    text = file === "-" ? readStdin() : readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`--token-file: cannot read ${file}: ${(e as Error).message}`);
  }
  const token = text.trim();
  if (!token) throw new UsageError(`--token-file: ${file} is empty`);
  if (/\s/.test(token)) throw new UsageError(`--token-file: ${file} holds more than one word; put only the enrollment token in it`);
  return token;
}

export interface AgentOptions {
  server?: string;
  enrollmentToken?: string;
  name: string;
  max: number;
  workdir: string;
  engines?: EngineRequest[];
  tags: string[];
  once: boolean;
  heartbeatMs: number;
  /** USD per hour, reported at register and on every heartbeat (0 unless --cost-per-hour or the config says) */
  costPerHour: number;
  /** --isolation; undefined: the strongest level available here */
  isolation?: IsolationLevel;
  /** --job-network (default on: engines call their model APIs) */
  jobNetwork: boolean;
  /** --job-user, for isolation `user` (default fleet-job) */
  jobUser: string;
  /** --token-file (a file, not stdin): hidden from jobs like the agent's own state */
  tokenFile?: string;
  /** per-host git tokens from the config file (advertised as cred:git:<host>) */
  gitTokens?: Record<string, { username?: string; token: string }>;
  /** --fallback DIR [--fallback-after]: the folder queue while the coordinator is unreachable */
  fallback?: { dir: string; afterMs: number; offlineOnly: boolean };
}

/** --fallback-after's default: long enough that a coordinator restart does not flip the factory to its folder. */
export const FALLBACK_AFTER_MS = 120_000;

function defaultName(): string {
  const host = os.hostname().split(".")[0] ?? "factory";
  const cleaned = host.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 64);
  return cleaned || "factory";
}

function defaultWorkdir(name: string, env: Env): string {
  const cache =
    env.XDG_CACHE_HOME ||
    (process.platform === "win32" ? env.LOCALAPPDATA || path.join(os.homedir(), "AppData", "Local") : path.join(os.homedir(), ".cache"));
  return path.join(cache, "gigafactory", name);
}

/** Merges flags, environment and config file into the options the agent runs with. */
export function resolveOptions(flags: ParsedFlags, env: Env, file: AgentConfigFile | undefined): AgentOptions {
  const server = flags.server ?? (env.FLEET_SERVER ? validateServer(env.FLEET_SERVER, "FLEET_SERVER") : undefined) ?? file?.server;
  const name = flags.name ?? file?.name ?? defaultName();
  const hb = env.FLEET_HEARTBEAT_MS;
  let heartbeatMs = 10_000;
  if (hb !== undefined && hb !== "") {
    heartbeatMs = Number(hb);
    if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100 || heartbeatMs > 600_000) {
      throw new UsageError(`FLEET_HEARTBEAT_MS: "${hb}" must be a whole number of milliseconds from 100 to 600000`);
    }
  }
  const opts: AgentOptions = {
    name,
    max: flags.max ?? file?.max ?? 1,
    workdir: flags.workdir ?? file?.workdir ?? defaultWorkdir(name, env),
    // A git token for a host is advertised by presence only: cred:git:<host>.
    tags: [...new Set([...(file?.tags ?? []), ...(flags.tags ?? []), ...Object.keys(file?.git ?? {}).map((h) => `cred:git:${h}`)])],
    once: flags.once,
    heartbeatMs,
    costPerHour: flags.costPerHour ?? file?.costPerHour ?? 0,
    jobNetwork: flags.jobNetwork ?? true,
    jobUser: flags.jobUser ?? "fleet-job",
  };
  if (flags.isolation) opts.isolation = flags.isolation;
  if (flags.tokenFile && flags.tokenFile !== "-") opts.tokenFile = flags.tokenFile;
  if (server) {
    checkTransport(server, flags.insecureHttp);
    opts.server = server;
  }
  const token = flags.token ?? (flags.tokenFile ? readTokenFile(flags.tokenFile, () => readFileSync(0, "utf8")) : undefined) ?? (env.FLEET_ENROLLMENT_TOKEN || undefined);
  if (token) opts.enrollmentToken = token;
  if (flags.engines) opts.engines = flags.engines;
  if (flags.fallback) {
    if (!server) throw new UsageError("--fallback: it is the folder queue used while the coordinator is unreachable; pass --server URL too (or --offline DIR alone)");
    opts.fallback = { dir: flags.fallback, afterMs: flags.fallbackAfterMs ?? FALLBACK_AFTER_MS, offlineOnly: flags.offlineOnly === true };
  }
  if (file?.git && Object.keys(file.git).length > 0) opts.gitTokens = file.git;
  return opts;
}
