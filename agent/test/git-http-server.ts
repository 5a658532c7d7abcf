/**
 * A real git server over HTTP for tests: git's own `git http-backend` run as CGI behind a small
 * node:http server on loopback, with HTTP basic auth (one user name and password). Pushes are
 * allowed for the authenticated user (http-backend enables receive-pack when REMOTE_USER is set).
 *
 *   const srv = await startGitHttpServer({ root, user: "bot", password: "s3cret" });
 *   srv.url("shop.git")  // http://127.0.0.1:<port>/shop.git
 *   srv.requests         // [{method, path, user}] seen so far
 *   await srv.close()
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface GitHttpServer {
  url(repo: string): string;
  host: string;
  requests: { method: string; path: string; user: string | undefined; status: number }[];
  close(): Promise<void>;
}

/** `anonymousRead`: fetches need no login (a public repository); pushes always do. */
export async function startGitHttpServer(o: { root: string; user: string; password: string; anonymousRead?: boolean }): Promise<GitHttpServer> {
  const requests: GitHttpServer["requests"] = [];
  const server = createServer((req, res) => handle(req, res));
  const children = new Set<ReturnType<typeof spawn>>();

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    const user = basicUser(req.headers.authorization, o.user, o.password);
    const read = url.searchParams.get("service") === "git-upload-pack" || url.pathname.endsWith("/git-upload-pack");
    const anonymous = user === undefined && o.anonymousRead === true && read && !req.headers.authorization;
    if (user === undefined && !anonymous) {
      requests.push({ method: req.method ?? "GET", path: url.pathname, user, status: 401 });
      req.resume();
      res.writeHead(401, { "www-authenticate": 'Basic realm="git"', "content-type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: o.root,
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ""),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      ...(user !== undefined ? { REMOTE_USER: user } : {}),
      REMOTE_ADDR: "127.0.0.1",
      SERVER_PROTOCOL: "HTTP/1.1",
    };
    if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
    if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(req.headers["content-encoding"]);
    if (req.headers["git-protocol"]) env.GIT_PROTOCOL = String(req.headers["git-protocol"]);
    const child = spawn("git", ["http-backend"], { env: env as unknown as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    children.add(child);
    child.on("close", () => children.delete(child));
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
      requests.push({ method: req.method ?? "GET", path: url.pathname, user, status });
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    child.stdout!.on("end", () => {
      if (!headersDone) res.writeHead(502).end();
      else res.end();
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    host: "127.0.0.1",
    url: (repo) => `http://127.0.0.1:${port}/${repo}`,
    requests,
    close: async () => {
      for (const c of children) c.kill("SIGKILL");
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function basicUser(header: string | undefined, user: string, password: string): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m) return undefined;
  const [u, ...rest] = Buffer.from(m[1]!, "base64").toString("utf8").split(":");
  return u === user && rest.join(":") === password ? u : undefined;
}
