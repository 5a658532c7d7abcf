import "server-only";
import type { Store } from "./port";
import { openSqliteStore } from "./sqlite/sqlite-store";
import { openCosmosStore } from "./cosmos/cosmos-store";

export type StoreConfig =
  | { kind: "sqlite"; file: string }
  | {
      kind: "cosmos";
      endpoint: string;
      key: string;
      database: string;
      /** trust a self-signed certificate (the local test server only; never in production) */
      allowSelfSigned?: boolean;
    };

/** Opens the configured provider; Cosmos creates its database and containers if missing. */
export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case "sqlite":
      return openSqliteStore({ file: config.file });
    case "cosmos":
      return openCosmosStore(config);
    default: {
      const never: never = config;
      throw new Error(`unknown store kind ${JSON.stringify(never)}`);
    }
  }
}

export type * from "./port";
export type * from "./records";
export { StoreError, isStoreError, type StoreErrorCode } from "./errors";
export { jobIdForKey } from "./ids";
