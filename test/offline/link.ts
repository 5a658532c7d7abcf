/**
 * A TCP link between an agent and the coordinator that a test can cut: `cut()` closes every open
 * connection and refuses new ones (a new connection is reset as soon as it has said what it wanted,
 * like a peer that resets), `restore()` forwards again. The agent sees exactly what a partition
 * looks like on the wire; the test sees what it tried to send while cut off (`refused`: each
 * request as it arrived), so it can wait on what the agent did instead of sleeping.
 */
import net from "node:net";

export interface Link {
  url: string;
  cut(): void;
  restore(): void;
  /** the requests (request line, headers, body) the agent sent while cut, oldest first */
  refused: string[];
  close(): Promise<void>;
}

export async function startLink(target: string): Promise<Link> {
  const to = new URL(target);
  let up = true;
  const open = new Set<net.Socket>();
  const refused: string[] = [];
  const server = net.createServer((client) => {
    if (!up) {
      // A new connection carries one request from its first byte: keep what it says for a moment
      // (request line, headers, body), then reset it.
      const said: Buffer[] = [];
      client.on("data", (chunk: Buffer) => said.push(chunk));
      client.on("error", () => {});
      setTimeout(() => {
        if (said.length) refused.push(Buffer.concat(said).toString("utf8"));
        client.destroy();
      }, 200);
      return;
    }
    const upstream = net.connect(Number(to.port), to.hostname);
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    cut() {
      up = false;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      up = true;
    },
    refused,
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
