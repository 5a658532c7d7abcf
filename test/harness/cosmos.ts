/**
 * Test harness: a Cosmos DB test server that BUILT app instances (separate processes) can reach with
 * ordinary certificate checks. Stable API, used by test/api/cosmos-instances.test.ts:
 *
 *   const cosmos = await startCosmosForApps();
 *   const env = cosmos.appEnv("gf1234");    // FLEET_STORE=cosmos, COSMOS_*, NODE_EXTRA_CA_CERTS
 *   const app = await startApp({ env });    // as many instances as you like, one database
 *   await cosmos.stop();                    // closes the server and removes the certificate
 *
 * `@vercel/cosmosdb-server` ships a certificate for CN=cosmosdb that expired in 2021, so it runs here
 * with a fresh self-signed one for 127.0.0.1/localhost (made with openssl, valid for 2 days). The
 * app trusts it through NODE_EXTRA_CA_CERTS: the production code keeps full TLS verification.
 */
import { createHttpsServer } from "@vercel/cosmosdb-server";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { COSMOS_TEST_KEY } from "../../server/store/testing-server";
import { selfSignedCertificate } from "./tls";

export interface CosmosForApps {
  endpoint: string;
  key: string;
  /** the server's certificate (PEM): the value for NODE_EXTRA_CA_CERTS */
  caFile: string;
  /** the environment that points an app instance at `database` on this server */
  appEnv(database: string): Record<string, string>;
  stop(): Promise<void>;
}

/** Starts @vercel/cosmosdb-server in-process on loopback (free port) with a certificate apps can trust. */
export async function startCosmosForApps(): Promise<CosmosForApps> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gf-cosmos-"));
  let server: ReturnType<typeof createHttpsServer>;
  try {
    const { keyFile, certFile } = selfSignedCertificate(dir);
    server = createHttpsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `https://127.0.0.1:${port}`;
  const caFile = path.join(dir, "cert.pem");
  return {
    endpoint,
    key: COSMOS_TEST_KEY,
    caFile,
    appEnv: (database) => ({
      FLEET_STORE: "cosmos",
      COSMOS_ENDPOINT: endpoint,
      COSMOS_KEY: COSMOS_TEST_KEY,
      COSMOS_DATABASE: database,
      NODE_EXTRA_CA_CERTS: caFile,
    }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
