import "server-only";
import { createHttpsServer } from "@vercel/cosmosdb-server";
import type { AddressInfo } from "node:net";

/** No vitest in here: benchmarks and scripts start the Cosmos test server too. */

/** The Cosmos emulator's published well-known key; the test server accepts any key. */
export const COSMOS_TEST_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

export interface CosmosTestServer {
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

/** Starts @vercel/cosmosdb-server in-process on loopback, on a free port (self-signed TLS). */
export async function startCosmosTestServer(): Promise<CosmosTestServer> {
  const server = createHttpsServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    key: COSMOS_TEST_KEY,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

