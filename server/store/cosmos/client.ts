import "server-only";
import { CosmosClient } from "@azure/cosmos";
import https from "node:https";
import { createIfMissing, ensureContainers, type Containers } from "./containers";
import { mapCosmosError } from "./cosmos-errors";

export interface CosmosStoreOptions {
  endpoint: string;
  key: string;
  database: string;
  allowSelfSigned?: boolean;
}

/** The client, its database and containers (created if missing); a failure disposes of the client. */
export async function connectCosmos(options: CosmosStoreOptions): Promise<{ client: CosmosClient; containers: Containers }> {
  const client = new CosmosClient({
    endpoint: options.endpoint,
    key: options.key,
    ...(options.allowSelfSigned ? { agent: new https.Agent({ rejectUnauthorized: false, keepAlive: true }) } : {}),
    connectionPolicy: {
      enableEndpointDiscovery: !options.allowSelfSigned,
      // 429: the SDK waits the server's retry-after, at most 3 times / 5 s; then we surface `busy`.
      retryOptions: { maxRetryAttemptCount: 3, maxWaitTimeInSeconds: 5, fixedRetryIntervalInMilliseconds: 0 },
    },
  });
  try {
    const { database } = await createIfMissing(() => client.databases.createIfNotExists({ id: options.database }));
    return { client, containers: await ensureContainers(database) };
  } catch (e) {
    client.dispose();
    throw mapCosmosError(e);
  }
}
