/**
 * The coordinator's factory routes (CONTRACT §2), over node:http (./http.ts says why not fetch). Every response is validated with
 * the shared schemas in lib/protocol; every failure is mapped to what the agent must do:
 * 401/403 → UnauthorizedError (stop), 409 on a lease → LeaseLostError (stop that job),
 * network/5xx/429 → TransientError (retry with backoff), other 4xx → RejectedError.
 */
import type { z } from "zod";
import {
  claimResponse,
  heartbeatResponse,
  problemBody,
  registerResponse,
  renewResponse,
  type AgentEvent,
  type ClaimRequest,
  type ClaimResponse,
  type CompleteRequest,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RegisterRequest,
  type RegisterResponse,
  type RenewResponse,
} from "@/lib/protocol";
import { runImported, type RunImport } from "@/lib/api/runs";
import { artifactUploadResponse, type ArtifactUploadQuery, type ArtifactUploadResponse } from "@/lib/artifacts";
import { LeaseLostError, RejectedError, TransientError, UnauthorizedError } from "./errors";
import { httpRequest, type HttpResponse } from "./http";

type RunImported = z.infer<typeof runImported>;

interface RequestOptions {
  token: string;
  leaseId?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class CoordinatorClient {
  constructor(
    readonly server: string,
    private factoryToken?: string,
  ) {}

  setToken(token: string): void {
    this.factoryToken = token;
  }

  async register(enrollmentToken: string, body: RegisterRequest): Promise<RegisterResponse> {
    return this.json("POST", "/api/fleet/factories", body, registerResponse, { token: enrollmentToken });
  }

  async heartbeat(factoryId: string, body: HeartbeatRequest, signal?: AbortSignal): Promise<HeartbeatResponse> {
    const o: RequestOptions = { token: this.token() };
    if (signal) o.signal = signal;
    return this.json("PUT", `/api/fleet/factories/${encodeURIComponent(factoryId)}/heartbeat`, body, heartbeatResponse, o);
  }

  /** Long poll: null on 204 (nothing fit within `waitMs`). */
  async claim(body: ClaimRequest, signal?: AbortSignal): Promise<ClaimResponse | null> {
    const o: RequestOptions = { token: this.token(), timeoutMs: (body.waitMs ?? 0) + 15_000 };
    if (signal) o.signal = signal;
    return this.json("POST", "/api/fleet/leases/claim", body, claimResponse, o, true);
  }

  async renew(leaseId: string, epoch: number): Promise<RenewResponse> {
    return this.json("POST", `/api/fleet/leases/${encodeURIComponent(leaseId)}/renew`, { epoch }, renewResponse, {
      token: this.token(),
      leaseId,
    });
  }

  async events(leaseId: string, epoch: number, events: AgentEvent[]): Promise<void> {
    await this.send("POST", `/api/fleet/leases/${encodeURIComponent(leaseId)}/events`, { epoch, events }, { token: this.token(), leaseId });
  }

  /**
   * One chunk of an artifact upload (lib/artifacts.ts): `bytes` at `q.offset` of an artifact of
   * `q.size`; the answer says how much the coordinator holds and whether it is committed.
   */
  async uploadArtifactChunk(leaseId: string, name: string, q: ArtifactUploadQuery, bytes: Uint8Array): Promise<ArtifactUploadResponse> {
    const qs = new URLSearchParams({ epoch: String(q.epoch), offset: String(q.offset), size: String(q.size), type: q.type });
    const path = `/api/fleet/leases/${encodeURIComponent(leaseId)}/artifacts/${encodeURIComponent(name)}?${qs}`;
    const res = await this.send("PUT", path, bytes, { token: this.token(), leaseId, timeoutMs: 60_000 });
    const r = artifactUploadResponse.safeParse(parseJson(res));
    if (!r.success) throw new RejectedError(`PUT ${path}: unexpected response (${r.error.issues[0]?.path.join(".")}: ${r.error.issues[0]?.message})`, res.status);
    return r.data;
  }

  /** A folder-queue run, recorded on reconnect (POST /runs/import). */
  async importRun(body: RunImport): Promise<RunImported> {
    return this.json("POST", "/api/fleet/runs/import", body, runImported, { token: this.token(), timeoutMs: 60_000 });
  }

  async complete(leaseId: string, body: CompleteRequest): Promise<void> {
    await this.send("POST", `/api/fleet/leases/${encodeURIComponent(leaseId)}/complete`, body, { token: this.token(), leaseId });
  }

  private token(): string {
    if (!this.factoryToken) throw new Error("not registered yet");
    return this.factoryToken;
  }

  private async json<S extends z.ZodType>(
    method: string,
    path: string,
    body: unknown,
    schema: S,
    o: RequestOptions,
    allow204 = false,
  ): Promise<z.infer<S>> {
    const res = await this.send(method, path, body, o);
    if (res.status === 204) {
      if (allow204) return null as z.infer<S>;
      throw new RejectedError(`${method} ${path}: unexpected 204`, 204);
    }
    let data: unknown;
    try {
      data = res.json();
    } catch {
      throw new TransientError(`${method} ${path}: response is not JSON`);
    }
    const r = schema.safeParse(data);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new RejectedError(`${method} ${path}: unexpected response (${i?.path.join(".")}: ${i?.message})`, res.status);
    }
    return r.data;
  }

  /** `body`: JSON-encoded, or sent as is when it is bytes (application/octet-stream). */
  private async send(method: string, path: string, body: unknown, o: RequestOptions): Promise<HttpResponse> {
    let res: HttpResponse;
    const raw = body instanceof Uint8Array;
    try {
      res = await httpRequest({
        method,
        url: this.server + path,
        headers: { "content-type": raw ? "application/octet-stream" : "application/json", authorization: `Bearer ${o.token}`, accept: "application/json" },
        body: raw ? body : JSON.stringify(body),
        timeoutMs: o.timeoutMs ?? 15_000,
        ...(o.signal ? { signal: o.signal } : {}),
      });
    } catch (e) {
      throw new TransientError(`${method} ${path}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ""}`);
    }
    if (res.ok) return res;
    const problem = readProblem(res);
    const detail = problem ? (problem.detail ?? problem.title ?? problem.code ?? "") : "";
    if (res.status === 401 || res.status === 403) {
      throw new UnauthorizedError(`${method} ${path}: ${res.status} ${detail}`.trim(), res.status);
    }
    if (res.status === 409 && o.leaseId) throw new LeaseLostError(o.leaseId, problem?.code ?? "lease_lost");
    if (res.status === 429 || res.status >= 500) throw new TransientError(`${method} ${path}: ${res.status} ${detail}`.trim());
    const errs = problem?.errors?.map((e) => `${e.path}: ${e.message}`).join("; ");
    throw new RejectedError(`${method} ${path}: ${res.status} ${errs || detail}`.trim(), res.status);
  }
}

function parseJson(res: HttpResponse): unknown {
  try {
    return res.json();
  } catch {
    throw new TransientError(`response is not JSON (${res.status})`);
  }
}

function readProblem(res: HttpResponse) {
  try {
    const r = problemBody.safeParse(res.json());
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
