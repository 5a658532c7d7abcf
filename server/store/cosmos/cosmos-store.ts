import "server-only";
import type { Store } from "../port";
export async function openCosmosStore(_c: unknown): Promise<Store> {
  throw new Error("not yet");
}
