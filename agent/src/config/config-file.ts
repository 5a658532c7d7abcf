/**
 * `--config FILE` (JSON or YAML): defaults for the flags, plus engine adapters — override a
 * built-in one (e.g. a different `claude` binary) or define a custom engine. Argument templates are
 * argv arrays, never a shell string: `{prompt}` and `{promptFile}` are replaced inside one element,
 * and an element equal to `{yolo}` expands to `yoloArgs` when the job has `yolo: true`.
 *
 * `git`: per-host tokens the agent's own git uses to push a job's branch over http(s)
 * (`git: { github.com: { username: x-access-token, tokenFile: ~/.fleet-gh-token } }`), advertised
 * as `cred:git:<host>` (presence only). They reach git through its environment, never a job's.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { engineName, factoryName } from "@/lib/protocol";
import { UsageError } from "../cli/usage-error";
import { BUILTIN_ADAPTERS } from "../engines/adapters";
import { engineConfig, type EngineConfig } from "../engines/engine-config";
import { parseTagList, validateCostPerHour, validateMax, validateServer } from "./values";

const fileSchema = z.strictObject({
  server: z.string().optional(),
  name: factoryName.optional(),
  max: z.number().int().optional(),
  workdir: z.string().optional(),
  tags: z.union([z.string(), z.array(z.string())]).optional(),
  costPerHour: z.number().optional(),
  engines: z.record(engineName, engineConfig).optional(),
  git: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}(?::[0-9]{1,5})?$/, "keys are host names like github.com"),
      z.strictObject({ username: z.string().min(1).max(256).optional(), token: z.string().min(1).max(4096).optional(), tokenFile: z.string().min(1).optional() }),
    )
    .optional(),
});

export interface AgentConfigFile {
  server?: string;
  name?: string;
  max?: number;
  workdir?: string;
  tags?: string[];
  costPerHour?: number;
  engines: Record<string, EngineConfig>;
  /** per-host git tokens (host lower-cased) */
  git?: Record<string, { username?: string; token: string }>;
}

export function loadConfigFile(file: string): AgentConfigFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`--config: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, file: string): AgentConfigFile {
  let raw: unknown;
  try {
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UsageError(`--config ${file}: not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(e as Error).message.split("\n")[0]}`);
  }
  const r = fileSchema.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(`--config ${file}: ${i.path.join(".") || "(top level)"}: ${i.message}`);
  }
  const v = r.data;
  for (const [name, e] of Object.entries(v.engines ?? {})) {
    if (e.command === undefined && !(name in BUILTIN_ADAPTERS)) {
      throw new UsageError(
        `--config ${file}: engines.${name}.command: required for a custom engine (only the built-ins ${Object.keys(BUILTIN_ADAPTERS).join(", ")} have one already)`,
      );
    }
  }
  const out: AgentConfigFile = { engines: v.engines ?? {} };
  if (v.server !== undefined) out.server = validateServer(v.server, `--config ${file}: server`);
  if (v.name !== undefined) out.name = v.name;
  if (v.max !== undefined) out.max = validateMax(v.max, `--config ${file}: max`);
  if (v.workdir !== undefined) out.workdir = path.resolve(path.dirname(file), v.workdir);
  if (v.tags !== undefined) out.tags = parseTagList(v.tags, `--config ${file}: tags`);
  if (v.git !== undefined) {
    out.git = {};
    for (const [host, c] of Object.entries(v.git)) {
      const where = `--config ${file}: git.${host}`;
      if ((c.token === undefined) === (c.tokenFile === undefined)) throw new UsageError(`${where}: give exactly one of token or tokenFile`);
      let token = c.token;
      if (c.tokenFile !== undefined) {
        const f = c.tokenFile.startsWith("~/") ? path.join(os.homedir(), c.tokenFile.slice(2)) : path.resolve(path.dirname(file), c.tokenFile);
        try {
          token = readFileSync(f, "utf8").trim();
        } catch (e) {
          throw new UsageError(`${where}.tokenFile: cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        if (!token) throw new UsageError(`${where}.tokenFile: ${f} is empty`);
      }
      out.git[host.toLowerCase()] = { ...(c.username ? { username: c.username } : {}), token: token! };
    }
  }
  if (v.costPerHour !== undefined) out.costPerHour = validateCostPerHour(v.costPerHour, `--config ${file}: costPerHour`);
  return out;
}
