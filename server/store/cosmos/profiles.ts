import "server-only";
import type { Container } from "@azure/cosmos";
import { createHash } from "node:crypto";
import type { ProfileSnapshot } from "../records";
import { isConflict, mapCosmosError } from "./cosmos-errors";
import { read, strip } from "./documents";

/**
 * Profile snapshots on Cosmos: one document per (name, version) in the product's partition, its id
 * a hash of both. The create is the idempotence: 409 means it is stored, and the stored one answers.
 */
const profileDocId = (name: string, version: string) =>
  "profile-" + createHash("sha256").update(name).update("\u0000").update(version).digest("hex").slice(0, 40);

export async function getProfileSnapshot(c: Container, productId: string, name: string, version: string): Promise<ProfileSnapshot | undefined> {
  const r = await read<ProfileSnapshot>(c, profileDocId(name, version), productId);
  return r ? strip<ProfileSnapshot>(r.doc, true) : undefined;
}

export async function saveProfileSnapshot(c: Container, p: ProfileSnapshot): Promise<ProfileSnapshot> {
  try {
    await c.items.create({ id: profileDocId(p.name, p.version), ...p });
    return p;
  } catch (e) {
    if (!isConflict(e)) throw mapCosmosError(e);
    return (await getProfileSnapshot(c, p.productId, p.name, p.version))!;
  }
}
