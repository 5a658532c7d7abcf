/**
 * Checks of single option values, shared by the command line (cli/args.ts) and the config file
 * (config-file.ts): each problem names where the value came from (`what`), so a flag and a config
 * key get the same rule and the same message.
 */
import { parseCapability } from "@/lib/capability";
import { engineName, factoryName, LIMITS } from "@/lib/protocol";
import { UsageError } from "../cli/usage-error";

export interface EngineRequest {
  engine: string;
  /** undefined: as many as --max allows */
  slots?: number;
}

export function validateServer(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what}: "${value}" is not a URL (expected e.g. http://127.0.0.1:3000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${what}: "${value}" must start with http:// or https://`);
  }
  if (url.username || url.password) throw new UsageError(`${what}: put no credentials in the URL; use --token`);
  return url.toString().replace(/\/+$/, "");
}

export function validateName(value: string, what: string): string {
  const r = factoryName.safeParse(value);
  if (!r.success) throw new UsageError(`${what}: "${value}": ${r.error.issues[0]?.message ?? "invalid name"}`);
  return value;
}

export function validateMax(value: string | number, what: string): number {
  const n = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`${what}: "${value}" must be a whole number from 1 to 256`);
  return n;
}

/** `claude:2,shell` → [{engine: claude, slots: 2}, {engine: shell}] */
export function parseEngineList(value: string, what: string): EngineRequest[] {
  const out: EngineRequest[] = [];
  for (const raw of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [name = "", slots, extra] = raw.split(":");
    if (extra !== undefined) throw new UsageError(`${what}: "${raw}" should be ENGINE or ENGINE:SLOTS`);
    if (!engineName.safeParse(name).success) {
      throw new UsageError(`${what}: "${name}" is not an engine name (lowercase letters, digits, '.', '_', '-')`);
    }
    if (out.some((e) => e.engine === name)) throw new UsageError(`${what}: "${name}" is listed twice`);
    if (slots === undefined) out.push({ engine: name });
    else out.push({ engine: name, slots: validateMax(slots, `${what} ${name}`) });
  }
  if (out.length === 0) throw new UsageError(`${what}: list at least one engine`);
  return out;
}

export function parseTagList(value: string | string[], what: string): string[] {
  const items = Array.isArray(value) ? value : value.split(",");
  const out: string[] = [];
  for (const raw of items.map((s) => s.trim()).filter(Boolean)) {
    const p = parseCapability(raw);
    if (!p.ok) throw new UsageError(`${what}: "${raw}": ${p.message}`);
    if (p.cap.kind === "version") throw new UsageError(`${what}: "${raw}" is a constraint; advertise a value like node:20.11.1`);
    out.push(p.canonical);
  }
  return out;
}

/** `--cost-per-hour 2.5`: what an hour of this machine costs, in USD (the scheduler's cost-fit term). */
export function validateCostPerHour(value: string | number, what: string): number {
  const n = typeof value === "number" ? value : /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > LIMITS.costPerHour) {
    throw new UsageError(`${what}: "${value}" must be a number of US dollars from 0 to ${LIMITS.costPerHour}`);
  }
  return n;
}
