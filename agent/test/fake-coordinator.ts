/**
 * A small in-process coordinator speaking the factory half of CONTRACT §2, for agent tests that
 * must not depend on the real app (and for the RSS bench). It validates every request body with
 * the shared schemas (so the agent is held to the same wire the real coordinator parses), records
 * everything, and lets a test script its answers: jobs to hand out, cancel lists, 401s, 409s.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import {
  agentEventsRequest,
  claimRequest,
  completeRequest,
  heartbeatRequest,
  registerRequest,
  renewRequest,
  type AgentEvent,
  type ClaimResponse,
  type CompleteRequest,
  type HeartbeatRequest,
} from "@/lib/protocol";
import type { Manifest } from "@/lib/types";

export const baseManifest = (over: Partial<Manifest> = {}): Manifest => ({
  yolo: false,
  capabilities: [],
  prefers: [],
  priority: "medium",
  budget: {},
  deps: [],
  retry: { max: 0, backoff: 0, on: [] },
  "review-policy": "manual",
  artifacts: [],
  "allowed-scope": [],
  ...over,
});

export interface QueuedJob {
  id: string;
  title?: string;
  manifest: Manifest;
  prompt: string;
  engine?: string;
  ttlMs?: number;
  /** the claim's delivery (issue 15): where the agent pushes, or a push/merge task */
  delivery?: ClaimResponse["delivery"];
}

interface LeaseState {
  id: string;
  jobId: string;
  epoch: number;
  ttlMs: number;
  lost: boolean;
}

export class FakeCoordinator {
  url = "";
  enrollmentToken = "enroll-" + Math.random().toString(36).slice(2);
  readonly factoryToken = "factory-token-" + Math.random().toString(36).slice(2);
  /** every raw request body, to prove what left the agent */
  readonly bodies: string[] = [];
  readonly registrations: unknown[] = [];
  readonly heartbeats: HeartbeatRequest[] = [];
  readonly events = new Map<string, AgentEvent[]>();
  readonly completions = new Map<string, CompleteRequest>();
  readonly renewals: string[] = [];
  readonly problems: string[] = [];
  queue: QueuedJob[] = [];
  cancel = new Set<string>();
  revoked = false;
  drain = false;
  leases = new Map<string, LeaseState>();
  claims = 0;
  private server: Server;
  private waiters = new Set<() => void>();
  private nextLease = 1;

  /** with `tls`, serves https (a test trusts the certificate through NODE_EXTRA_CA_CERTS) */
  constructor(private readonly tls?: { key: Buffer; cert: Buffer }) {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `${this.tls ? "https" : "http"}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const w of this.waiters) w();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  enqueue(job: QueuedJob): void {
    this.queue.push(job);
    for (const w of [...this.waiters]) w();
  }

  /** Makes every later write for this lease answer 409 lease_lost (as after expiry + re-grant). */
  loseLease(leaseId: string): void {
    const l = this.leases.get(leaseId);
    if (l) l.lost = true;
  }

  leaseOf(jobId: string): LeaseState | undefined {
    return [...this.leases.values()].find((l) => l.jobId === jobId);
  }

  async waitFor<T>(probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > until) throw new Error(`waitFor timed out; problems: ${this.problems.join("; ")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  logText(jobId: string): string {
    const l = this.leaseOf(jobId);
    return (this.events.get(l?.id ?? "") ?? [])
      .filter((e) => e.type === "log")
      .map((e) => (e as { text: string }).text)
      .join("");
  }

  private send(res: ServerResponse, status: number, body?: unknown, type = "application/json") {
    res.writeHead(status, body === undefined ? {} : { "content-type": type });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  private problem(res: ServerResponse, status: number, code: string) {
    this.send(res, status, { title: code, status, code }, "application/problem+json");
  }

  private parse<S extends z.ZodType>(schema: S, raw: string, res: ServerResponse, what: string): z.infer<S> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.problems.push(`${what}: not JSON`);
      this.problem(res, 400, "bad_json");
      return undefined;
    }
    const r = schema.safeParse(json);
    if (!r.success) {
      this.problems.push(`${what}: ${JSON.stringify(r.error.issues)}`);
      this.problem(res, 400, "invalid");
      return undefined;
    }
    return r.data;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    this.bodies.push(raw);
    const url = new URL(req.url ?? "/", "http://x");
    const auth = req.headers.authorization ?? "";
    const p = url.pathname;

    if (req.method === "POST" && p === "/api/fleet/factories") {
      if (auth !== `Bearer ${this.enrollmentToken}`) return this.problem(res, 401, "unauthorized");
      const body = this.parse(registerRequest, raw, res, "register");
      if (!body) return;
      this.registrations.push(body);
      return this.send(res, 201, { factoryId: "fac-1", token: this.factoryToken });
    }
    if (auth !== `Bearer ${this.factoryToken}` || this.revoked) return this.problem(res, 401, "unauthorized");

    let m: RegExpExecArray | null;
    if (req.method === "PUT" && (m = /^\/api\/fleet\/factories\/([^/]+)\/heartbeat$/.exec(p))) {
      const body = this.parse(heartbeatRequest, raw, res, "heartbeat");
      if (!body) return;
      this.heartbeats.push(body);
      const cancel = body.running.map((r) => r.leaseId).filter((id) => this.cancel.has(id));
      return this.send(res, 200, { drain: this.drain, killSwitch: false, cancel });
    }
    if (req.method === "POST" && p === "/api/fleet/leases/claim") {
      const body = this.parse(claimRequest, raw, res, "claim");
      if (!body) return;
      this.claims++;
      const until = Date.now() + (body.waitMs ?? 0);
      for (;;) {
        const i = this.queue.findIndex((j) => body.free.some((f) => f.engine === (j.engine ?? j.manifest.engine) && f.slots > 0));
        if (i >= 0) {
          const job = this.queue.splice(i, 1)[0]!;
          const ttlMs = job.ttlMs ?? 60_000;
          const lease: LeaseState = { id: `lease-${this.nextLease++}`, jobId: job.id, epoch: 1, ttlMs, lost: false };
          this.leases.set(lease.id, lease);
          const r: ClaimResponse = {
            lease: { id: lease.id, jobId: job.id, epoch: 1, expiresAt: new Date(Date.now() + ttlMs).toISOString(), ttlMs },
            job: { id: job.id, title: job.title ?? job.id, manifest: job.manifest },
            prompt: job.prompt,
          };
          if (job.engine) r.engine = job.engine;
          if (job.delivery) r.delivery = job.delivery;
          return this.send(res, 200, r);
        }
        const left = until - Date.now();
        if (left <= 0 || req.destroyed) return this.send(res, 204);
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, left);
          const waiters = this.waiters;
          function done() {
            clearTimeout(t);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
    }
    if (req.method === "POST" && (m = /^\/api\/fleet\/leases\/([^/]+)\/(renew|events|complete)$/.exec(p))) {
      const lease = this.leases.get(decodeURIComponent(m[1]!));
      if (!lease) return this.problem(res, 404, "not_found");
      const what = m[2]!;
      const schema = what === "renew" ? renewRequest : what === "events" ? agentEventsRequest : completeRequest;
      const body = this.parse(schema as z.ZodType<{ epoch: number }>, raw, res, what);
      if (!body) return;
      if (lease.lost || body.epoch !== lease.epoch || this.completions.has(lease.id)) return this.problem(res, 409, "lease_lost");
      if (what === "renew") {
        this.renewals.push(lease.id);
        return this.send(res, 200, { expiresAt: new Date(Date.now() + lease.ttlMs).toISOString() });
      }
      if (what === "events") {
        const list = this.events.get(lease.id) ?? [];
        for (const e of (body as z.infer<typeof agentEventsRequest>).events) if (!list.some((x) => x.seq === e.seq)) list.push(e);
        this.events.set(lease.id, list);
        return this.send(res, 200, { accepted: list.length });
      }
      this.completions.set(lease.id, body as CompleteRequest);
      return this.send(res, 200, { ok: true });
    }
    return this.problem(res, 404, "not_found");
  }
}
