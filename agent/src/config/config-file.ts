/**
 * `--config FILE` (JSON or YAML): defaults for the flags, plus engine adapters — override a
 * built-in one (e.g. a different `claude` binary) or define a custom engine. Argument templates are
 * argv arrays, never a shell string: `{prompt}` and `{promptFile}` are replaced inside one element,
 * and an element equal to `{yolo}` expands to `yoloArgs` when the job has `yolo: true`.
 */
import { readFileSync } from "node:fs";
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
});

export interface AgentConfigFile {
  server?: string;
  name?: string;
  max?: number;
  workdir?: string;
  tags?: string[];
  costPerHour?: number;
  engines: Record<string, EngineConfig>;
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
  if (v.costPerHour !== undefined) out.costPerHour = validateCostPerHour(v.costPerHour, `--config ${file}: costPerHour`);
  return out;
}
