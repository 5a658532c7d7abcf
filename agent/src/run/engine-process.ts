/**
 * The engine part of a job run: its command, environment and sandbox (prepareEngine), then the
 * engine itself in its own process group with logs streamed, cost parsed from its output and the
 * attempt's limit enforced (runEngine). What the run reports afterwards is attempt-report.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ClaimResponse, CostReport, Outcome } from "@/lib/protocol";
import { buildEngineCommand, type EngineAdapter } from "../engines/adapters";
import { addCost, parseCostLine } from "../engines/cost-parsers";
import type { EventStream } from "../net/event-stream";
import type { LogChunker } from "./log-chunker";
import { spawnInGroup, type GroupProcess } from "./process-group";
import { buildJobEnv } from "./sandbox/job-env";
import { NONE_WARNING, prepareJobFiles, wrapCommand, type Isolation, type WrappedCommand } from "./sandbox/isolation";
import { planSandbox, SandboxRefusal, type SandboxPlan } from "./sandbox/plan";
import type { Workspace } from "./workspace";

/** What the engine part needs of the run's options (JobRunOptions has them all). */
export interface EngineSetup {
  claim: ClaimResponse;
  engine: string;
  adapter: EngineAdapter;
  command?: string;
  env: NodeJS.ProcessEnv;
  isolation: Isolation;
  graceMs: number;
  onProcessGroup?: (pgid: number | undefined) => void;
}

export type Wrap = (command: string, args: string[]) => WrappedCommand;

/** A prepared engine: what to start, where, confined how, and when to stop it. */
export interface EngineLaunch {
  cmd: ReturnType<typeof buildEngineCommand>;
  cwd: string;
  env: NodeJS.ProcessEnv;
  wrap: Wrap;
  /** ms until the attempt's limit (Infinity: none) */
  limit: number;
  limitOutcome: Outcome;
}

export interface EngineExit {
  exitCode: number | null;
  cost: CostReport;
  limitHit: boolean;
}

/**
 * The engine's command, its environment (an allowlist of the agent's, HOME and TMPDIR in the
 * job's own scratch `tmp`) and its sandbox. A string: why the sandbox cannot be made (the attempt fails).
 */
export function prepareEngine(o: EngineSetup, ids: { jobId: string; leaseId: string }, workspace: Workspace, tmp: string, logs: LogChunker): EngineLaunch | string {
  const { claim } = o;
  const manifest = claim.job.manifest;
  const iso = o.isolation;
  // Limits: the attempt's timeout, and what is left of the job's wall budget over all attempts.
  const wallLeft = claim.remaining?.wallMs ?? manifest.budget.wall;
  const timeout = manifest.timeout;
  const limit = Math.min(timeout ?? Infinity, wallLeft ?? Infinity);
  const limitOutcome: Outcome = wallLeft !== undefined && wallLeft < (timeout ?? Infinity) ? "budget_exceeded" : "timeout";

  const promptFile = path.join(tmp, "prompt");
  writeFileSync(promptFile, claim.prompt, { mode: 0o600 });
  const cmd = buildEngineCommand(o.adapter, {
    prompt: claim.prompt,
    yolo: manifest.yolo,
    promptFile,
    ...(o.command ? { command: o.command } : {}),
  });
  // An allowlist of the agent's environment, HOME and TMPDIR in the job's own scratch (job-env.ts says why).
  const home = path.join(tmp, "home");
  const jobTmp = path.join(tmp, "tmp");
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(jobTmp, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = buildJobEnv({
    env: o.env,
    engine: o.engine,
    home,
    tmp: jobTmp,
    extra: cmd.env,
    job: ids,
  }) as NodeJS.ProcessEnv;

  // The sandbox: what the job sees, writes and cannot reach (./sandbox/plan.ts).
  let plan: SandboxPlan;
  try {
    plan = planSandbox(
      iso.agent,
      {
        cwd: workspace.cwd,
        writable: [workspace.root ?? workspace.cwd],
        // repo and scratch jobs get a checkout the agent made; a `cwd` job names the factory's own directory
        manifestCwd: !manifest.repo && !!manifest.cwd,
        scratch: tmp,
        home,
        readOnly: workspace.readOnly,
        credentialFiles: o.adapter.credentialFiles ?? [],
        ...(o.command ? { command: o.command } : {}),
        ...(env.PATH ? { pathEnv: env.PATH } : {}),
      },
      iso.network,
    );
    prepareJobFiles(iso, plan);
  } catch (e) {
    return e instanceof SandboxRefusal ? e.message : `cannot prepare the sandbox: ${(e as Error).message}`;
  }
  if (iso.level === "none") logs.note(NONE_WARNING);
  const wrap = (command: string, args: string[]) => wrapCommand(iso, plan, command, args);
  return { cmd, cwd: workspace.cwd, env, wrap, limit, limitOutcome };
}

/**
 * Runs the engine to its exit: stdout and stderr streamed as log chunks, cost lines parsed into
 * `cost` events, the limit's timer terminating the group. `attach` hands the process to the run
 * (so a stop can kill it) and terminates it at once when the run was stopped before it started.
 */
export async function runEngine(
  o: EngineSetup,
  launch: EngineLaunch,
  io: { logs: LogChunker; events: EventStream; attach: (proc: GroupProcess) => void },
): Promise<EngineExit> {
  const { cmd, limit, limitOutcome } = launch;
  const { logs, events } = io;
  let cost: CostReport = {};
  let exitCode: number | null = null;
  let limitHit = false;
  let proc: GroupProcess | undefined;
  try {
    const w = launch.wrap(cmd.command, cmd.args);
    const spawnOpts: Parameters<typeof spawnInGroup>[2] = { cwd: launch.cwd, env: launch.env };
    if (cmd.stdin !== undefined) spawnOpts.stdin = cmd.stdin;
    if (w.infoFd) spawnOpts.infoFd = true;
    if (w.uid !== undefined) spawnOpts.uid = w.uid;
    if (w.gid !== undefined) spawnOpts.gid = w.gid;
    proc = spawnInGroup(w.command, w.args, spawnOpts);
    o.onProcessGroup?.(proc.pid > 0 ? proc.pid : undefined);
    io.attach(proc);
    let lineBuf = "";
    proc.child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      logs.write("stdout", d);
      if (o.adapter.output === "text") return;
      lineBuf += d;
      const lines = lineBuf.split("\n");
      lineBuf = lines.pop() ?? "";
      if (lineBuf.length > 4 * 1024 * 1024) lineBuf = "";
      for (const line of lines) {
        const inc = parseCostLine(o.adapter.output, line);
        if (inc) {
          cost = addCost(cost, inc);
          events.push({ type: "cost", ...inc });
        }
      }
    });
    proc.child.stderr?.setEncoding("utf8").on("data", (d: string) => logs.write("stderr", d));
    const limitTimer =
      limit === Infinity
        ? undefined
        : setTimeout(() => {
            limitHit = true;
            logs.note(`${limitOutcome === "timeout" ? "timeout" : "wall budget"} reached after ${Math.round(limit / 1000)} s: stopping the engine`);
            void proc?.terminate(o.graceMs);
          }, limit);
    const r = await proc.done;
    clearTimeout(limitTimer);
    exitCode = r.code;
  } catch (e) {
    logs.note(`engine ${o.engine} could not start: ${(e as Error).message}`);
  } finally {
    o.onProcessGroup?.(undefined);
  }
  logs.end();
  return { exitCode, cost, limitHit };
}
