import { spawn, type ChildProcess } from "node:child_process";
import type http from "node:http";

/**
 * One git smart-HTTP request served by git's own `git http-backend` as CGI: the request body piped
 * to it, its CGI headers (with `Status:`) turned into the HTTP answer, the rest streamed. Shared by
 * the GitHub double's git half (github-double-git.ts) and the agent's plain git server
 * (agent/test/git-http-server.ts), which differ only in who may ask and which repository a path names.
 * Pushes are allowed when `user` is set: http-backend enables receive-pack for a REMOTE_USER.
 */
export interface GitBackendRequest {
  /** GIT_PROJECT_ROOT: the folder holding the bare repositories */
  root: string;
  /** PATH_INFO: the repository and service path under `root`, e.g. `/shop.git/info/refs` */
  pathInfo: string;
  url: URL;
  /** who authenticated (REMOTE_USER), or undefined for an anonymous read */
  user: string | undefined;
  /** the running backends, so the server's close can kill what is still running */
  children: Set<ChildProcess>;
  /** called with the status once the backend's headers are read (before they are sent) */
  onStatus?: (status: number) => void;
}

export function serveGitBackend(req: http.IncomingMessage, res: http.ServerResponse, o: GitBackendRequest): void {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_PROJECT_ROOT: o.root,
    GIT_HTTP_EXPORT_ALL: "1",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    PATH_INFO: o.pathInfo,
    QUERY_STRING: o.url.search.replace(/^\?/, ""),
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    ...(o.user !== undefined ? { REMOTE_USER: o.user } : {}),
    REMOTE_ADDR: "127.0.0.1",
    SERVER_PROTOCOL: "HTTP/1.1",
  };
  if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
  if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(req.headers["content-encoding"]);
  if (req.headers["git-protocol"]) env.GIT_PROTOCOL = String(req.headers["git-protocol"]);
  const child = spawn("git", ["http-backend"], { env: env as unknown as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
  o.children.add(child);
  child.on("close", () => o.children.delete(child));
  req.pipe(child.stdin!);
  child.stdin!.on("error", () => undefined);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout!.on("data", (d: Buffer) => {
    if (headersDone) {
      res.write(d);
      return;
    }
    head = Buffer.concat([head, d]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const i = line.indexOf(":");
      if (i < 0) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === "status") status = Number(v.split(" ")[0]) || 200;
      else headers[k] = v;
    }
    o.onStatus?.(status);
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  child.stdout!.on("end", () => {
    if (!headersDone) res.writeHead(502).end();
    else res.end();
  });
}
