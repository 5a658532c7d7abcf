import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { credentialsFile, loadCredentials, saveCredentials } from "./credentials";
import { RunningLeaseFile } from "./running-leases";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmpEnv = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), "fleet-cfg-"));
  dirs.push(d);
  return { FLEET_AGENT_CONFIG_DIR: path.join(d, "nested") };
};

describe("factory credentials", () => {
  it("are written with mode 0600 and read back for the same server only", () => {
    const env = tmpEnv();
    saveCredentials("mac-1", { factoryId: "f1", token: "secret-token", server: "http://a:1" }, env);
    const file = credentialsFile("mac-1", env);
    expect(file.startsWith(env.FLEET_AGENT_CONFIG_DIR)).toBe(true);
    if (process.platform !== "win32") {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(file)).mode & 0o077).toBe(0);
    }
    expect(loadCredentials("mac-1", "http://a:1", env)?.token).toBe("secret-token");
    expect(loadCredentials("mac-1", "http://other:1", env)).toBeUndefined();
    expect(loadCredentials("mac-2", "http://a:1", env)).toBeUndefined();
  });

  it("running leases survive a new process and start empty after save()", () => {
    const env = tmpEnv();
    const a = new RunningLeaseFile("f", env);
    a.set({ leaseId: "l1", epoch: 2, jobId: "j1", pgid: 1234 });
    const b = new RunningLeaseFile("f", env);
    expect(b.loadLeftovers()).toEqual([{ leaseId: "l1", epoch: 2, jobId: "j1", pgid: 1234 }]);
    b.save();
    expect(new RunningLeaseFile("f", env).loadLeftovers()).toEqual([]);
  });
});
