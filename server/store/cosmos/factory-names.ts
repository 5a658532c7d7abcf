import "server-only";
import { createHash } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { factoryNameKey, holdsName, nameTaken } from "../rules/factories";
import type { FactoryRecord } from "../records";
import { LOST, withCas, writeIfUnchanged } from "./cas";
import { read } from "./documents";

/**
 * Unique factory names on Cosmos (rules/factories.ts). A query for the name then a create would let
 * two registrations race past each other, so a name is held by one document in the locks container
 * (partition /id, id derived from the name): creating it is the atomic check. A document whose
 * factory is revoked, or was never written (its registration failed after the reservation, and a
 * minute has passed, so a registration still between its two writes is not overtaken), gives the
 * name up and is taken over with If-Match.
 */
interface NameDoc {
  id: string;
  kind: "factory-name";
  name: string;
  factoryId: string;
  reservedAt: number;
}

const UNWRITTEN_GRACE_MS = 60_000;

const nameDocId = (name: string) => "factory-name-" + createHash("sha256").update(factoryNameKey(name)).digest("hex").slice(0, 40);

export async function reserveFactoryName(
  locks: Container,
  name: string,
  factoryId: string,
  now: number,
  getFactory: (id: string) => Promise<FactoryRecord | undefined>,
): Promise<void> {
  const id = nameDocId(name);
  const doc: NameDoc = { id, kind: "factory-name", name, factoryId, reservedAt: now };
  await withCas(`factory name ${name}`, async () => {
    const cur = await read<NameDoc>(locks, id, id);
    if (cur && cur.doc.factoryId !== factoryId) {
      const holder = await getFactory(cur.doc.factoryId);
      if (holder ? holdsName(holder) : now - cur.doc.reservedAt < UNWRITTEN_GRACE_MS) throw nameTaken(name, cur.doc.factoryId);
    }
    return (await writeIfUnchanged(locks, doc, id, cur?.etag)) === LOST ? LOST : true;
  });
}
