/**
 * A small forward proxy for tests, on loopback: CONNECT tunnels (node:net, bytes piped both ways,
 * the proxy sees only the target) and absolute-form http requests (forwarded with node:http). It
 * records what it saw, and can demand Basic credentials (407 otherwise), so a test proves which
 * requests went through it and how they were addressed.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import net, { type AddressInfo } from "node:net";

export interface SeenRequest {
  /** "CONNECT" or the forwarded method */
  method: string;
  /** CONNECT: host:port; otherwise the absolute URL of the request line */
  target: string;
  proxyAuthorization?: string;
}

export class ConnectProxy {
  url = "";
  readonly seen: SeenRequest[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly requireAuth?: { user: string; pass: string }) {
    this.server = createServer((req, res) => {
      if (!this.admit(req, req.url ?? "")) {
        res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"' }).end();
        return;
      }
      let target: URL;
      try {
        target = new URL(req.url ?? "");
      } catch {
        res.writeHead(400).end("absolute-form request expected");
        return;
      }
      const headers = { ...req.headers };
      delete headers["proxy-authorization"];
      const up = request({ hostname: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on("error", () => res.writeHead(502).end());
      req.pipe(up);
    });
    this.server.on("connect", (req: IncomingMessage, client: net.Socket, head: Buffer) => {
      this.sockets.add(client);
      client.on("close", () => this.sockets.delete(client));
      client.on("error", () => client.destroy());
      if (!this.admit(req, req.url ?? "")) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
        return;
      }
      const [host, port] = splitHostPort(req.url ?? "");
      const upstream = net.connect({ host, port }, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.length) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.sockets.add(upstream);
      upstream.on("close", () => this.sockets.delete(upstream));
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
    });
  }

  private admit(req: IncomingMessage, target: string): boolean {
    const auth = req.headers["proxy-authorization"];
    this.seen.push({ method: req.method ?? "", target, ...(auth ? { proxyAuthorization: auth } : {}) });
    if (!this.requireAuth) return true;
    return auth === "Basic " + Buffer.from(`${this.requireAuth.user}:${this.requireAuth.pass}`).toString("base64");
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function splitHostPort(hp: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hp);
  return m ? [m[1]!, Number(m[2])] : [hp, 443];
}
