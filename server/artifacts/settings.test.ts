import { expect, it } from "vitest";
import { EnvError, parseEnv } from "@/server/env";

/** FLEET_ARTIFACTS (CONTRACT §6): a directory or a blob container URL; a bad one stops the start, naming the variable. */
function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
    return [];
  } catch (e) {
    if (!(e instanceof EnvError)) throw e;
    return e.problems.map((p) => `${p.variable}: ${p.message}`);
  }
}

it("accepts a directory, a container URL with a SAS token, and an emulator URL with a connection string", () => {
  expect(problems({ FLEET_ARTIFACTS: "/srv/artifacts" })).toEqual([]);
  expect(problems({ FLEET_ARTIFACTS: "https://acct.blob.core.windows.net/artifacts?sv=2024-01-01&sig=abc" })).toEqual([]);
  expect(problems({ FLEET_ARTIFACTS: "http://127.0.0.1:10000/devstoreaccount1/artifacts", AZURE_STORAGE_CONNECTION_STRING: "AccountName=a;AccountKey=b" })).toEqual([]);
  expect(parseEnv({}).FLEET_ARTIFACT_MAX_BYTES).toBe(25 * 1_048_576);
});

it("refuses a container URL it cannot use, naming FLEET_ARTIFACTS and never echoing the token", () => {
  const sas = "sv=2024&sig=SECRET-SIG";
  expect(problems({ FLEET_ARTIFACTS: "https://acct.blob.core.windows.net/artifacts" })).toEqual([
    "FLEET_ARTIFACTS: needs a SAS token in the URL (?sv=…&sig=…) or AZURE_STORAGE_CONNECTION_STRING",
  ]);
  expect(problems({ FLEET_ARTIFACTS: `http://blob.example.com/artifacts?${sas}` })[0]).toMatch(/^FLEET_ARTIFACTS: use https/);
  expect(problems({ FLEET_ARTIFACTS: `https://acct.blob.core.windows.net/a/b?${sas}` })[0]).toMatch(/^FLEET_ARTIFACTS: expected https/);
  expect(problems({ FLEET_ARTIFACTS: `https://acct.blob.core.windows.net/Bad_Name?${sas}` })[0]).toMatch(/^FLEET_ARTIFACTS: the container name/);
  expect(problems({ FLEET_ARTIFACTS: `https://acct.blob.core.windows.net/a?${sas}` }).join()).not.toContain("SECRET-SIG");
  expect(problems({ FLEET_ARTIFACT_MAX_BYTES: "500", FLEET_ARTIFACT_JOB_MAX_BYTES: "100" })[0]).toMatch(/^FLEET_ARTIFACT_MAX_BYTES: must not be larger/);
});
