/**
 * The store-level commands (`fleet archive`, `fleet import-archive`) open the store the way the
 * control plane does, from the same variables (CONTRACT §6): FLEET_STORE, FLEET_DATA_DIR (the SQLite
 * file is <dir>/fleet.db, relative to the current directory), COSMOS_ENDPOINT / COSMOS_KEY /
 * COSMOS_DATABASE. They need the store's own credentials, not an API token: an archive holds every
 * prompt and log, and a restore writes records no API may write. TLS to Cosmos is verified as in
 * the app (NODE_EXTRA_CA_CERTS to trust a private CA).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { openStore, type Store } from "@/server/store";
import type { CliIo } from "../fleet";
import { CliError } from "./api-client";

const storeEnv = z
  .object({
    FLEET_STORE: z.enum(["sqlite", "cosmos"], { error: "must be sqlite or cosmos" }).default("sqlite"),
    FLEET_DATA_DIR: z.string().min(1).default(".data"),
    COSMOS_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be the account's https:// URL" }).optional(),
    COSMOS_KEY: z.string().min(1).optional(),
    COSMOS_DATABASE: z.string().min(1).max(255).default("gigafactory"),
  })
  .superRefine((e, ctx) => {
    if (e.FLEET_STORE !== "cosmos") return;
    for (const key of ["COSMOS_ENDPOINT", "COSMOS_KEY"] as const) if (!e[key]) ctx.addIssue({ code: "custom", path: [key], message: "required when FLEET_STORE=cosmos" });
  });

export async function openStoreFromEnv(io: CliIo, opts: { mustExist: boolean }): Promise<{ store: Store; where: string }> {
  const r = storeEnv.safeParse({ ...io.env });
  if (!r.success) throw new CliError(r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n"));
  const e = r.data;
  if (e.FLEET_STORE === "cosmos") {
    const where = `Cosmos ${e.COSMOS_ENDPOINT} database ${e.COSMOS_DATABASE}`;
    return { store: await openStore({ kind: "cosmos", endpoint: e.COSMOS_ENDPOINT!, key: e.COSMOS_KEY!, database: e.COSMOS_DATABASE }), where };
  }
  const file = path.resolve(io.cwd, e.FLEET_DATA_DIR, "fleet.db");
  if (opts.mustExist && !existsSync(file)) {
    throw new CliError(`no store at ${file}: set FLEET_DATA_DIR to the control plane's data directory (or FLEET_STORE=cosmos with COSMOS_*)`);
  }
  return { store: await openStore({ kind: "sqlite", file }), where: file };
}
