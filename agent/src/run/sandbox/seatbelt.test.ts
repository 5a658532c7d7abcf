/** sandbox-exec cannot run here: the generated Seatbelt profile is checked as text. */
import { describe, expect, it } from "vitest";
import { sandboxExecArgs, sbplString, seatbeltProfile } from "./seatbelt";
import type { SandboxPlan } from "./plan";

const plan = (over: Partial<SandboxPlan> = {}): SandboxPlan => ({
  cwd: "/Users/me/.cache/gigafactory/mac/jobs/L1",
  network: true,
  mounts: [
    { kind: "rw", dest: "/Users/me/.cache/gigafactory/mac/jobs/L1" },
    { kind: "hide-dir", dest: "/Users/me" },
    { kind: "hide-dir", dest: "/Users/me/.cache/gigafactory/mac" },
    { kind: "hide-file", dest: "/etc/fleet/token" },
    { kind: "ro", dest: "/Users/me/.local" },
    { kind: "ro", src: "/Users/me/.claude/.credentials.json", dest: "/private/var/folders/x/T/fleet-job-1/home/.claude/.credentials.json" },
    { kind: "rw", dest: "/private/var/folders/x/T/fleet-job-1" },
  ],
  writable: [],
  hidden: [],
  readable: [],
  ...over,
});

describe("the Seatbelt profile", () => {
  it("denies every write, then applies the plan parents first: the home and workdir hidden, the checkout and scratch writable, the engine's credential readable", () => {
    const lines = seatbeltProfile(plan()).trim().split("\n");
    expect(lines.slice(0, 3)).toEqual(["(version 1)", "(allow default)", "(deny file-write*)"]);
    const at = (s: string) => lines.findIndex((l) => l === s);
    const hideHome = at('(deny file-read* file-write* (subpath "/Users/me"))');
    const hideWork = at('(deny file-read* file-write* (subpath "/Users/me/.cache/gigafactory/mac"))');
    const checkout = at('(allow file-read* file-write* (subpath "/Users/me/.cache/gigafactory/mac/jobs/L1"))');
    const local = at('(allow file-read* (subpath "/Users/me/.local"))');
    const cred = at('(allow file-read* (subpath "/Users/me/.claude/.credentials.json"))');
    expect(lines).toContain('(deny file-read* file-write* (literal "/etc/fleet/token"))');
    expect(lines[local + 1]).toBe('(deny file-write* (subpath "/Users/me/.local"))');
    // SBPL: the last matching rule wins, so a deeper path's rule must come later
    for (const i of [hideHome, hideWork, checkout, local, cred]) expect(i).toBeGreaterThan(2);
    expect(hideHome).toBeLessThan(hideWork);
    expect(hideWork).toBeLessThan(checkout);
    expect(hideHome).toBeLessThan(local);
    expect(lines).toContain("(deny process-info* (target others))");
    expect(lines).toContain("(deny signal (target others))");
    expect(lines.join("\n")).not.toContain("network-outbound");
  });

  it("with the network off allows only loopback and local sockets", () => {
    const text = seatbeltProfile(plan({ network: false }));
    expect(text).toContain("(deny network-outbound)\n");
    expect(text).toContain('(allow network-outbound (remote ip "localhost:*") (remote unix-socket))');
  });

  it("quotes paths, refuses control characters, and passes the profile with -p before the command", () => {
    expect(sbplString('/a "b"\\c')).toBe('"/a \\"b\\"\\\\c"');
    expect(() => sbplString("/a\nb")).toThrow(/control character/);
    const args = sandboxExecArgs(plan(), "/bin/sh", ["-c", "echo hi"]);
    expect(args[0]).toBe("-p");
    expect(args[1]).toContain("(version 1)");
    expect(args.slice(2)).toEqual(["/bin/sh", "-c", "echo hi"]);
  });
});
