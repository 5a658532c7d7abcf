/**
 * Test harness: a real Azurite blob service (the `azurite` dev dependency) as a child process on a
 * free loopback port, its data in a temp dir. Nothing needs to be started beforehand: `npm test` on
 * a fresh machine runs it from node_modules.
 *
 *   const az = await startAzurite();
 *   az.containerUrl("artifacts")   // http://127.0.0.1:<port>/devstoreaccount1/artifacts
 *   az.connectionString            // the emulator's well-known account and key
 *   await az.stop()                // kills it and removes the temp dir
 *
 * The account key is Azurite's published development key (the same on every machine), not a secret.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { freePort } from "./app";

export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface StartedAzurite {
  /** the blob endpoint: http://127.0.0.1:<port>/devstoreaccount1 */
  blobEndpoint: string;
  connectionString: string;
  containerUrl(container: string): string;
  /** what Azurite printed so far (for failure messages) */
  output(): string;
  stop(): Promise<void>;
}

const READY = /successfully listens on/;

export async function startAzurite(opts: { readyTimeoutMs?: number } = {}): Promise<StartedAzurite> {
  const main = createRequire(import.meta.url).resolve("azurite/dist/src/blob/main.js");
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "gf-azurite-"));
  // --skipApiVersionCheck: the SDK may speak a newer service version than this Azurite knows.
  const args = [main, "--blobHost", "127.0.0.1", "--blobPort", String(port), "--location", dir, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry"];
  const proc: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within ${opts.readyTimeoutMs ?? 30_000} ms:\n${out}`)), opts.readyTimeoutMs ?? 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (READY.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code}) before it was ready:\n${out}`));
    });
  }).catch(async (e) => {
    proc.kill("SIGKILL");
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
    containerUrl: (container) => `${blobEndpoint}/${container}`,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
