/**
 * A TCP link between an agent and the coordinator that a test can cut: `cut()` closes every open
 * connection and refuses new ones (connections are accepted and destroyed at once, like a peer that
 * resets), `restore()` forwards again. The agent sees exactly what a partition looks like on the wire.
 */
import net from "node:net";

export interface Link {
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startLink(target: string): Promise<Link> {
  const to = new URL(target);
  let up = true;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!up) {
      client.destroy();
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
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
