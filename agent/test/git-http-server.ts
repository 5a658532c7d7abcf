/**
 * A real git server over HTTP for tests: git's own `git http-backend` run as CGI behind a small
 * node:http server on loopback, with HTTP basic auth (one user name and password). Pushes are
 * allowed for the authenticated user (http-backend enables receive-pack when REMOTE_USER is set);
 * the CGI bridge itself is test/harness/git-http-backend.ts, shared with the GitHub double.
 *
 *   const srv = await startGitHttpServer({ root, user: "bot", password: "s3cret" });
 *   srv.url("shop.git")  // http://127.0.0.1:<port>/shop.git
 *   srv.requests         // [{method, path, user}] seen so far
 *   await srv.close()
 */
import type { ChildProcess } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
// The CGI bridge is shared with the GitHub double; tests only, never bundled (agent/src does not import agent/test).
import { serveGitBackend } from "../../test/harness/git-http-backend";

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
  const children = new Set<ChildProcess>();

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
    serveGitBackend(req, res, {
      root: o.root,
      pathInfo: decodeURIComponent(url.pathname),
      url,
      user,
      children,
      onStatus: (status) => requests.push({ method: req.method ?? "GET", path: url.pathname, user, status }),
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
