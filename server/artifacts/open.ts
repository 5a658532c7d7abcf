import "server-only";
import path from "node:path";
import { LocalDirArtifactStore } from "./local-dir";
import type { ArtifactStore } from "./port";

/**
 * FLEET_ARTIFACTS → an artifact store (CONTRACT §6): unset → `<data dir>/artifacts`; a path → that
 * directory; an http(s) URL → that Azure Blob container (server/env.ts has already checked its form
 * and that a credential is given). The blob SDK is loaded only when a container is configured.
 */
export async function openArtifactStore(opts: { setting?: string; dataDir: string; connectionString?: string }): Promise<ArtifactStore> {
  const setting = opts.setting;
  if (setting && /^https?:\/\//i.test(setting)) {
    const { AzureBlobArtifactStore } = await import("./azure-blob");
    const store = new AzureBlobArtifactStore(setting, opts.connectionString);
    await store.ensureContainer();
    return store;
  }
  return new LocalDirArtifactStore(path.resolve(setting ?? path.join(opts.dataDir, "artifacts")));
}
