import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { artifactScenario } from "./scenario";

/** Issue 15 §6 on the default artifact store: a directory (FLEET_ARTIFACTS) beside the data dir. */
const dir = mkdtempSync(path.join(os.tmpdir(), "gf-agent-artifacts-"));
artifactScenario("artifacts on the local store", async () => ({ FLEET_ARTIFACTS: dir }), async () => rmSync(dir, { recursive: true, force: true }));
