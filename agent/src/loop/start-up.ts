/**
 * What the online and the offline agent both do first: detect the engines and tools, refuse a
 * machine with nothing to run, and say what it offers (and which yolo jobs it will refuse).
 */
import type { AgentOptions } from "../cli/args";
import { UsageError } from "../cli/usage-error";
import { detect, type Detection } from "../detect/detect";
import { yoloWarnings, type EngineAdapter } from "../engines/adapters";

export async function detectAndAnnounce(
  d: { options: AgentOptions; adapters: Record<string, EngineAdapter>; env: NodeJS.ProcessEnv; log(msg: string): void },
  label: string,
): Promise<Detection> {
  const o = d.options;
  const detection = await detect({ adapters: d.adapters, ...(o.engines ? { engines: o.engines } : {}), max: o.max, tags: o.tags, env: d.env });
  if (detection.stations.length === 0) throw new UsageError("no engine found on this machine (and shell was not offered): check --engines");
  d.log(`${label}: ${detection.stations.map((s) => `${s.engine}×${s.slots}`).join(", ")}; max ${o.max}`);
  for (const w of yoloWarnings(d.adapters, detection.stations.map((s) => s.engine), d.env)) d.log(w);
  return detection;
}
