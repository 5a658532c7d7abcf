/**
 * At start: which isolation level this agent's jobs get (the one asked for, or the strongest that
 * works here), and what the sandbox must keep from them (../run/sandbox/plan.ts). An impossible
 * request is a usage error naming the flag; `none` is said loudly, here and in every job's log.
 * The level is advertised as the capability `isolation:<level>`.
 */
import { statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AgentOptions } from "../cli/args";
import { UsageError } from "../cli/usage-error";
import { stateDir } from "../config/state-dir";
import { chooseIsolation, NONE_WARNING, probeIsolation, type Isolation, type LevelProbe } from "../run/sandbox/isolation";

export function setUpIsolation(o: AgentOptions, env: NodeJS.ProcessEnv, log: (msg: string) => void, probes?: LevelProbe[]): Isolation {
  const found = probes ?? probeIsolation({ env, jobUser: o.jobUser });
  const chosen = chooseIsolation(o.isolation, found);
  if ("error" in chosen) throw new UsageError(chosen.error);
  const iso: Isolation = {
    level: chosen.level,
    network: o.jobNetwork,
    agent: {
      home: os.homedir(),
      stateDir: stateDir(env),
      workdir: o.workdir,
      ...(env.FLEET_DATA_DIR ? { dataDir: path.resolve(env.FLEET_DATA_DIR) } : {}),
      ...(o.tokenFile ? { tokenFile: o.tokenFile } : {}),
      tmpDirs: [...new Set([os.tmpdir(), "/tmp", "/var/tmp"])],
    },
  };
  if (chosen.level === "user") {
    const user = found.find((p) => p.level === "user")?.user;
    if (!user) throw new UsageError(`--isolation user: no job user ${o.jobUser}`);
    iso.jobUser = user;
    // The job user must reach its checkout under --workdir (the agent's own dirs stay 0700).
    for (let d = path.resolve(o.workdir); ; d = path.dirname(d)) {
      let mode = 0o755;
      try {
        mode = statSync(d).mode;
      } catch {
        // not created yet: made with the default mode
      }
      if (!(mode & 0o001)) {
        throw new UsageError(`--isolation user: the job user ${o.jobUser} cannot reach --workdir ${o.workdir} (${d} is not searchable by others); choose a --workdir such as /var/lib/fleet-agent/work`);
      }
      if (path.dirname(d) === d) break;
    }
  }
  // Advertised, so a job can ask for it (`capabilities: [isolation:bwrap]`); never taken from --tags.
  o.tags = [...o.tags.filter((t) => !t.startsWith("isolation:")), `isolation:${chosen.level}`];
  const net = o.jobNetwork ? "" : ", job network off";
  log(chosen.level === "none" ? NONE_WARNING : `isolation: ${chosen.level}${o.isolation ? "" : " (the strongest available here)"}${net}`);
  return iso;
}
