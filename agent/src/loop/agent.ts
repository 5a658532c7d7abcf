/**
 * The factory agent's life:
 *
 *   detect → register (first start; the factory token is kept 0600) or reuse the stored token
 *   → first heartbeat reports what a crashed predecessor left running
 *   → loop: heartbeat every interval ‖ long-poll claim (waitMs 25 s) whenever a station is free
 *
 * States: running → draining (first SIGTERM, or the coordinator's `drain`: claim nothing, let
 * jobs finish, exit 0) → stopping (second SIGTERM: kill engines, complete leases `cancelled`).
 * A refused factory token (401/403) is fatal: stop everything and say so. Anything else the
 * coordinator does wrong is retried with jittered exponential backoff.
 *
 * The claim loop and the runs are the transport-neutral ones (./claim-loop.ts, ./job-pool.ts) over
 * the coordinator's transport (./http-transport.ts); the fallback folder (./fallback.ts) runs the
 * same loop over the folder transport on the same pool, so both share the stations and --max.
 */
import os from "node:os";
import path from "node:path";
import { LIMITS, type HeartbeatRequest, type RunningLease, type Station } from "@/lib/protocol";
import type { AgentOptions } from "../cli/args";
import { FatalAgentError, UsageError } from "../cli/usage-error";
import { credentialsFile, loadCredentials, saveCredentials, type FactoryCredentials } from "../config/credentials";
import { RunningLeaseFile } from "../config/running-leases";
import { stateDir } from "../config/state-dir";
import { detect, sameCapabilities, type Detection } from "../detect/detect";
import { warmRepos } from "../detect/repo-caches";
import type { EngineAdapter } from "../engines/adapters";
import { backoffDelay, jitter, sleep } from "../net/backoff";
import { CoordinatorClient } from "../net/client";
import { RejectedError, TransientError, UnauthorizedError } from "../net/errors";
import { groupAlive, signalGroup, startedByUs } from "../run/process-group";
import type { Isolation } from "../run/sandbox/isolation";
import { Outbox } from "../outbox/outbox";
import { OutboxClient } from "../outbox/outbox-client";
import { replayOutbox } from "../outbox/replay";
import { AGENT_VERSION } from "../version";
import { ClaimLoop } from "./claim-loop";
import { FolderFallback } from "./fallback";
import { HttpTransport } from "./http-transport";
import { JobPool } from "./job-pool";
import { detectAndAnnounce } from "./start-up";

export interface AgentDeps {
  options: AgentOptions & { server: string };
  adapters: Record<string, EngineAdapter>;
  env: NodeJS.ProcessEnv;
  log: (msg: string) => void;
  /** how jobs are confined (set up once at start: ./isolation-setup.ts) */
  isolation: Isolation;
}

export class FactoryAgent {
  private state: "running" | "draining" | "stopping" = "running";
  private fatal: Error | undefined;
  private creds!: FactoryCredentials;
  private client: CoordinatorClient;
  private detection!: Detection;
  private capsChanged = false;
  /** every run of this process: the coordinator's leases and, during a fallback, the folder's */
  private readonly pool: JobPool;
  private readonly http: HttpTransport;
  private readonly loop: ClaimLoop;
  private leftovers: RunningLease[] = [];
  private serverDrain = false;
  private killSwitch = false;
  private heartbeatMs: number;
  private readonly stopAll = new AbortController();
  /** aborted by a stop request or a fatal error: cuts the registration backoff short */
  private readonly interrupted = new AbortController();
  private readonly runningFile: RunningLeaseFile;
  private timers: NodeJS.Timeout[] = [];
  /** event batches and completions not yet acknowledged (../outbox/outbox.ts) */
  private readonly outbox: Outbox;
  private readonly leaseClient: OutboxClient;
  private replaying: Promise<void> | undefined;
  /** --fallback DIR: the folder queue while the coordinator is unreachable (./fallback.ts) */
  private fallback: FolderFallback | undefined;
  private reconciling: Promise<void> | undefined;
  /** --offline-only: how many inbox jobs the last reconcile round kept local (said when it changes) */
  private keptLocal = 0;

  constructor(private readonly d: AgentDeps) {
    this.client = new CoordinatorClient(d.options.server);
    this.heartbeatMs = d.options.heartbeatMs;
    this.runningFile = new RunningLeaseFile(d.options.name, d.env);
    this.outbox = new Outbox(path.join(stateDir(d.env), `${d.options.name}.outbox`), d.log);
    this.leaseClient = new OutboxClient(this.client, this.outbox, d.env.FLEET_AGENT_TEST_CRASH_AFTER_OUTBOX);
    this.pool = new JobPool({
      adapters: d.adapters,
      env: d.env,
      isolation: d.isolation,
      workdir: d.options.workdir,
      max: d.options.max,
      ...(d.options.gitTokens ? { gitTokens: d.options.gitTokens } : {}),
      detection: () => this.detection,
      log: d.log,
      onFree: () => this.poke(),
    });
    this.http = new HttpTransport(this.client, this.leaseClient, {
      factoryId: () => this.creds.factoryId,
      reachable: () => this.fallback?.reachable(),
      unreachable: () => this.fallback?.unreachable(),
      refused: (e) => this.fail(e),
      log: d.log,
      record: (claim, pgid) => this.runningFile.set({ leaseId: claim.lease.id, epoch: claim.lease.epoch, jobId: claim.job.id, ...(pgid ? { pgid } : {}) }),
      released: (claim) => {
        this.runningFile.delete(claim.lease.id);
        // A run that gave up on an unreachable coordinator left its reports in the outbox.
        if (this.outbox.pending()) void this.replay();
      },
    });
    this.loop = new ClaimLoop(this.http, this.pool, {
      active: () => this.state === "running" && !this.fatal,
      pausedMs: () => (this.killSwitch || this.serverDrain ? this.heartbeatMs : 0),
      once: d.options.once,
    });
    const fb = d.options.fallback;
    if (fb) {
      this.fallback = new FolderFallback({
        dir: fb.dir,
        afterMs: fb.afterMs,
        log: d.log,
        pool: this.pool,
        env: d.env,
        deps: () => ({
          options: d.options,
          log: (msg) => d.log(`[folder] ${msg}`),
          detection: this.detection,
        }),
      });
    }
  }

  /**
   * Records the fallback folder's finished jobs with the coordinator, then hands over the jobs still
   * waiting in its inbox unless --offline-only (../offline/reconcile.ts); one round at a time.
   */
  private reconcile(): Promise<void> {
    const dir = this.d.options.fallback?.dir;
    if (!dir) return Promise.resolve();
    this.reconciling ??= (async () => {
      try {
        const { reconcileFolder, handOverInbox } = await import("../offline/reconcile");
        const log = (m: string) => this.d.log(`[folder] ${m}`);
        const done = await reconcileFolder(dir, this.client, log);
        // Finished jobs first: an inbox job may name one of them in its deps.
        if (done.waiting || this.fallback?.active) return;
        if (!this.d.options.fallback?.offlineOnly) {
          await handOverInbox(dir, this.client, log);
          return;
        }
        // Said when it changes, not every heartbeat: what --offline-only keeps local.
        const { FolderQueue } = await import("../offline/folder");
        const kept = new FolderQueue(dir).list("inbox").length;
        if (kept > 0 && kept !== this.keptLocal) log(`--offline-only: ${kept} job(s) stay in ${dir}/inbox for the folder`);
        this.keptLocal = kept;
      } catch (e) {
        this.d.log(`reconcile failed: ${(e as Error).message}`);
      } finally {
        this.reconciling = undefined;
      }
    })();
    return this.reconciling;
  }

  /**
   * Sends what the outbox holds for leases no run of this process holds (a predecessor's, or a
   * run's that gave up while the coordinator was away). One round at a time; never throws.
   */
  private replay(): Promise<void> {
    this.replaying ??= (async () => {
      try {
        const r = await replayOutbox(this.outbox, this.client, { skip: (leaseId) => this.pool.has(leaseId), log: this.d.log });
        if (r.waiting) this.d.log(`outbox: ${r.waiting} report(s) wait for the coordinator`);
      } catch (e) {
        this.d.log(`outbox replay failed: ${(e as Error).message}`);
      } finally {
        this.replaying = undefined;
      }
    })();
    return this.replaying;
  }

  /** First call drains, second stops now. */
  requestStop(): void {
    if (this.state === "running") {
      this.state = "draining";
      this.d.log(`draining: finishing ${this.pool.size} running job(s), claiming nothing more (signal again to stop now)`);
    } else if (this.state === "draining") {
      this.state = "stopping";
      this.d.log(`stopping now: cancelling ${this.pool.size} running job(s)`);
      this.pool.stopAll("cancelled", "agent stopped");
    }
    void this.fallback?.stop(this.state === "stopping");
    this.interrupted.abort();
    this.loop.interrupt();
  }

  /** Runs until drained, stopped or refused. Resolves with the process exit code. */
  async run(): Promise<number> {
    const o = this.d.options;
    this.detection = await detectAndAnnounce(this.d, o.name);

    await this.register();
    this.recoverLeftovers();
    // Before anything new: what a predecessor (crashed, stopped, cut off) had not delivered.
    if (this.outbox.pending()) await this.replay();

    try {
      await this.heartbeat(); // first one: reports leftovers, learns drain/kill switch
    } catch (e) {
      if (e instanceof UnauthorizedError) this.fail(e);
    }
    this.leftovers = [];
    const hbLoop = this.heartbeatLoop();
    this.scheduleRedetect();
    await this.loop.run();
    await this.fallback?.stop(this.state === "stopping");
    await this.pool.drained();
    await this.reconciling;
    // Last chance before exit; what is still undelivered waits in the outbox for the next start.
    if (this.outbox.pending()) await this.replay();
    this.stopAll.abort();
    for (const t of this.timers) clearTimeout(t);
    await hbLoop;
    if (this.fatal) throw this.fatal;
    return this.state === "stopping" ? 143 : 0;
  }

  private fail(e: Error): void {
    if (this.fatal) return;
    const file = credentialsFile(this.d.options.name, this.d.env);
    this.fatal = new FatalAgentError(
      e instanceof UnauthorizedError
        ? `the coordinator refused this factory's token (${e.status}): it was revoked or the coordinator was reset. Delete ${file} and start again with --token to register anew.`
        : e.message,
    );
    this.state = "stopping";
    this.pool.stopAll("lease_lost", "factory token refused", this.http);
    this.interrupted.abort();
    this.loop.interrupt();
  }

  private async register(): Promise<void> {
    const o = this.d.options;
    const stored = loadCredentials(o.name, o.server, this.d.env);
    if (stored) {
      this.creds = stored;
      this.client.setToken(stored.token);
      return;
    }
    if (!o.enrollmentToken) {
      throw new UsageError(`--token: this factory ("${o.name}") is not registered with ${o.server} yet; pass the enrollment token (or FLEET_ENROLLMENT_TOKEN)`);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.client.register(o.enrollmentToken, {
          name: o.name,
          os: this.detection.os,
          arch: this.detection.arch,
          capabilities: this.detection.capabilities.slice(0, LIMITS.capabilities),
          stations: this.detection.stations,
          version: AGENT_VERSION,
          warm: warmRepos(o.workdir),
          costPerHour: o.costPerHour,
        });
        this.creds = { factoryId: r.factoryId, token: r.token, server: o.server };
        saveCredentials(o.name, this.creds, this.d.env);
        this.client.setToken(r.token);
        if (r.heartbeatMs) this.heartbeatMs = r.heartbeatMs;
        this.d.log(`registered as ${r.factoryId}`);
        return;
      } catch (e) {
        if (e instanceof UnauthorizedError) throw new FatalAgentError(`--token: the coordinator refused the enrollment token (${e.status})`);
        if (e instanceof RejectedError) throw new FatalAgentError(`registration refused: ${e.message}`);
        if (this.state !== "running") throw new FatalAgentError("stopped before registering");
        const wait = backoffDelay(attempt);
        this.d.log(`coordinator unreachable (${(e as Error).message}); retrying in ${Math.round(wait / 1000)} s`);
        await sleep(wait, this.interrupted.signal);
      }
    }
  }

  /** Engines a crashed predecessor started survive it (detached groups): end them, and report the leases. */
  private recoverLeftovers(): void {
    const left = this.runningFile.loadLeftovers();
    for (const l of left) {
      // The file is data a job could have written (isolation none): kill only a group this agent
      // started, i.e. one whose leader still carries that lease's FLEET_LEASE_ID.
      if (l.pgid && groupAlive(l.pgid) && startedByUs(l.pgid, l.leaseId)) {
        this.d.log(`killing engine process group ${l.pgid} left running by a previous agent (lease ${l.leaseId})`);
        signalGroup(l.pgid, "SIGKILL");
      }
    }
    this.leftovers = left.map((l) => ({ leaseId: l.leaseId, epoch: l.epoch }));
    if (left.length) this.d.log(`reporting ${left.length} lease(s) held before a restart`);
    this.runningFile.save();
  }

  /** The coordinator's leases only: folder leases (off-…) mean nothing to it. */
  private running(): RunningLease[] {
    const now = this.pool.entries(this.http).map((j) => ({ leaseId: j.run.leaseId, epoch: j.run.epoch }));
    return [...now, ...this.leftovers].slice(0, LIMITS.running);
  }

  /** The fallback folder's runs count too: they share this machine's stations. */
  private free(): Station[] {
    if (this.state !== "running") return [];
    return this.pool.free();
  }

  private async heartbeat(): Promise<void> {
    const body: HeartbeatRequest = {
      load: Math.min(10_000, os.loadavg()[0]! / Math.max(1, os.cpus().length)),
      free: this.free(),
      running: this.running(),
      // A job may have cloned a repository since the last beat; the price may differ from the one registered.
      warm: warmRepos(this.d.options.workdir),
      costPerHour: this.d.options.costPerHour,
    };
    if (this.capsChanged) body.capabilities = this.detection.capabilities.slice(0, LIMITS.capabilities);
    const r = await this.client.heartbeat(this.creds.factoryId, body);
    this.capsChanged = false;
    if (r.heartbeatMs) this.heartbeatMs = r.heartbeatMs;
    if (r.drain && !this.serverDrain) this.d.log("the coordinator asks this factory to drain");
    this.serverDrain = r.drain;
    if (r.killSwitch !== this.killSwitch) this.d.log(r.killSwitch ? "kill switch on: claiming stops" : "kill switch off");
    this.killSwitch = r.killSwitch;
    for (const leaseId of r.cancel) {
      const j = this.pool.get(leaseId);
      if (j?.transport === this.http) j.run.stop("cancelled", "cancelled by the coordinator");
    }
    if (r.drain && this.state === "running") this.requestStop();
    this.poke();
  }

  private async heartbeatLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopAll.signal.aborted) {
      await sleep(failures ? backoffDelay(failures - 1, 1_000, this.heartbeatMs * 3) : jitter(this.heartbeatMs), this.stopAll.signal);
      if (this.stopAll.signal.aborted) return;
      try {
        await this.heartbeat();
        failures = 0;
        this.fallback?.reachable();
        if (this.fallback) void this.reconcile();
        // The coordinator answers: a partition may have healed, so deliver what waited.
        if (this.outbox.pending()) void this.replay();
      } catch (e) {
        if (e instanceof UnauthorizedError) return this.fail(e);
        if (e instanceof TransientError) this.fallback?.unreachable();
        failures++;
        if (failures === 1 || failures % 10 === 0) this.d.log(`heartbeat failed: ${(e as Error).message}`);
      }
    }
  }

  private scheduleRedetect(): void {
    const every = Number(this.d.env.FLEET_AGENT_DETECT_MS) || 5 * 60_000;
    const t = setTimeout(async () => {
      try {
        const o = this.d.options;
        const next = await detect({ adapters: this.d.adapters, ...(o.engines ? { engines: o.engines } : {}), max: o.max, tags: o.tags, env: this.d.env });
        if (!sameCapabilities(next.capabilities, this.detection.capabilities)) this.capsChanged = true;
        if (next.stations.length) this.detection = next;
      } catch (e) {
        this.d.log(`capability refresh failed: ${(e as Error).message}`);
      }
      if (!this.stopAll.signal.aborted) this.scheduleRedetect();
    }, every);
    t.unref();
    this.timers.push(t);
  }

  private poke(): void {
    this.loop.wake();
    this.fallback?.wake();
  }
}
