/**
 * The HTTP client behind every `fleet` command that talks to the API (commands-table.ts): FLEET_SERVER +
 * FLEET_TOKEN, and errors a person can act on (which URL was unreachable, which variable to set).
 * No `server-only` import: the CLI runs under plain Node through tsx.
 */
import type { CliIo } from "../io";

export class CliError extends Error {}

export interface Client {
  server: string;
  request<T = unknown>(method: string, path: string, opts?: { json?: unknown; text?: string; contentType?: string }): Promise<T>;
  stream(path: string, signal: AbortSignal, lastEventId?: string): Promise<Response>;
  /** A text/plain answer (the job log), as the Response, so its body can be read as it arrives. */
  text(path: string): Promise<Response>;
}

export function clientFrom(io: CliIo): Client {
  const server = (io.env.FLEET_SERVER ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
  const token = io.env.FLEET_TOKEN;
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  });

  async function send(method: string, path: string, init: RequestInit): Promise<Response> {
    const url = `${server}/api/fleet${path}`;
    try {
      return await fetch(url, { method, ...init });
    } catch (e) {
      const why = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e);
      throw new CliError(`cannot reach the coordinator at ${server} (${why}). Is it running (npm run serve)? Check FLEET_SERVER.`);
    }
  }

  async function fail(res: Response): Promise<never> {
    const text = await res.text();
    let detail = text;
    let errors: { path: string; message: string }[] = [];
    try {
      const p = JSON.parse(text) as { detail?: string; errors?: { path: string; message: string }[] };
      detail = p.detail ?? text;
      errors = p.errors ?? [];
    } catch {
      // not problem+json: show the text
    }
    if (res.status === 401) {
      throw new CliError(`the coordinator at ${server} refused the credentials (401): set FLEET_TOKEN to an API token (${token ? "the one set is unknown or revoked" : "none is set"}).`);
    }
    if (res.status === 403) throw new CliError(`not allowed (403): ${detail}`);
    const lines = errors.map((e) => `  ${e.path}: ${e.message}`);
    throw new CliError([`${res.status}: ${detail}`, ...lines].join("\n"));
  }

  return {
    server,
    async request<T>(method: string, path: string, opts: { json?: unknown; text?: string; contentType?: string } = {}) {
      const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.text;
      const contentType = opts.json !== undefined ? "application/json" : opts.contentType;
      const res = await send(method, path, { headers: headers(contentType ? { "content-type": contentType } : {}), ...(body !== undefined ? { body } : {}) });
      if (!res.ok) return fail(res);
      if (res.status === 204) return undefined as T;
      return (await res.json()) as T;
    },
    async stream(path: string, signal: AbortSignal, lastEventId?: string) {
      const res = await send("GET", path, { headers: headers({ accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}) }), signal });
      if (!res.ok) return fail(res);
      return res;
    },
    async text(path: string) {
      const res = await send("GET", path, { headers: headers({ accept: "text/plain" }) });
      if (!res.ok) return fail(res);
      return res;
    },
  };
}

/** Runs a command body, turning CliError into one line on stderr and exit 1. */
export async function guarded(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`fleet: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

export function requireArg(args: string[], what: string, usage: string): string {
  const v = args.find((a) => !a.startsWith("-"));
  if (!v) throw new CliError(`missing ${what}\n${usage}`);
  return v;
}
