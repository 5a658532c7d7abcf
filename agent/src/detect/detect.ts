/**
 * Capability detection: what this machine can run, as capability strings (lib/capability grammar)
 * and stations. Every probe is a `--version`-style spawn with a short timeout, all in parallel, so
 * detection costs about one slow probe, not the sum. Runs at start and again on an interval.
 */
import type { Env } from "../version";
import { advertisedSet } from "@/lib/capability";
import type { Station } from "@/lib/protocol";
import type { EngineAdapter } from "../engines/adapters";
import type { EngineRequest } from "../config/values";
import { UsageError } from "../cli/usage-error";
import { detectCredentials } from "./credentials";
import { probe, versionIn } from "./probe";
import { which } from "./which";

export interface DetectedEngine {
  engine: string;
  path: string;
  version?: string;
}

export interface Detection {
  os: string;
  arch: string;
  capabilities: string[];
  engines: DetectedEngine[];
  stations: Station[];
}

export interface DetectInput {
  adapters: Record<string, EngineAdapter>;
  /** --engines; undefined: every engine found */
  engines?: EngineRequest[];
  max: number;
  tags: string[];
  env?: Env;
  home?: string;
  timeoutMs?: number;
}

export function osName(platform: NodeJS.Platform = process.platform): string {
  if (platform === "darwin") return "mac";
  if (platform === "win32") return "windows";
  return platform;
}

interface ToolProbe {
  bin: string;
  args: string[];
  /** capabilities to add when the probe answers */
  caps: (version: string | undefined) => string[];
  only?: NodeJS.Platform;
}

const TOOLS: ToolProbe[] = [
  { bin: "git", args: ["--version"], caps: (v) => ["has:git", ...(v ? [`git:${v}`] : [])] },
  { bin: "docker", args: ["--version"], caps: (v) => ["has:docker", ...(v ? [`docker:${v}`] : [])] },
  { bin: "xcodebuild", args: ["-version"], caps: (v) => ["has:xcode", ...(v ? [`xcode:${v}`] : [])], only: "darwin" },
  { bin: "nvidia-smi", args: ["-L"], caps: () => ["gpu"] },
  { bin: "node", args: ["--version"], caps: (v) => (v ? [`node:${v}`] : []) },
  { bin: "pnpm", args: ["--version"], caps: (v) => (v ? [`pnpm:${v}`] : []) },
  { bin: "python3", args: ["--version"], caps: (v) => (v ? [`python:${v}`] : []) },
];

export async function detect(input: DetectInput): Promise<Detection> {
  const env = input.env ?? process.env;
  const timeoutMs = input.timeoutMs ?? 3_000;
  const wanted = input.engines?.map((e) => e.engine) ?? Object.keys(input.adapters);
  for (const name of wanted) {
    if (!input.adapters[name]) {
      throw new UsageError(`--engines: "${name}" is not a known engine (${Object.keys(input.adapters).join(", ")}, or define it in --config)`);
    }
  }

  const engineProbes = wanted.map(async (name): Promise<DetectedEngine | undefined> => {
    const a = input.adapters[name]!;
    // shell is always there: bash, or sh as the fallback.
    const bin = name === "shell" && a.command === "bash" ? (which("bash", env) ?? which("sh", env)) : which(a.command, env);
    if (!bin) return undefined;
    const out = await probe(bin, a.versionArgs, timeoutMs, env);
    if (out === undefined && name !== "shell") return undefined;
    const d: DetectedEngine = { engine: name, path: bin };
    const v = versionIn(out);
    if (v) d.version = v;
    return d;
  });
  const toolProbes = TOOLS.filter((t) => !t.only || t.only === process.platform).map(async (t) => {
    const bin = which(t.bin, env);
    if (!bin) return [];
    const out = await probe(bin, t.args, timeoutMs, env);
    return out === undefined ? [] : t.caps(versionIn(out));
  });
  const [engines, tools] = await Promise.all([Promise.all(engineProbes), Promise.all(toolProbes)]);
  const found = engines.filter((e): e is DetectedEngine => e !== undefined);

  const caps = [`os:${osName()}`, `arch:${process.arch}`];
  for (const e of found) {
    caps.push(`engine:${e.engine}`);
    if (e.version && e.engine !== "shell") caps.push(`${e.engine}:${e.version}`);
  }
  caps.push(...tools.flat(), ...detectCredentials(env, input.home), ...input.tags);

  const stations: Station[] = found.map((e) => {
    const requested = input.engines?.find((r) => r.engine === e.engine)?.slots ?? input.adapters[e.engine]?.slots;
    return { engine: e.engine, slots: Math.min(requested ?? input.max, input.max) };
  });
  return {
    os: osName(),
    arch: process.arch,
    capabilities: [...advertisedSet(caps)].sort(),
    engines: found,
    stations,
  };
}

/** For the report: a list that changed means a re-registration-worthy change. */
export function sameCapabilities(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

