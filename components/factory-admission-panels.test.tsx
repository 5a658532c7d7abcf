import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { statusRank } from "@/lib/ui/fleet";
import { ADMISSION_PATHS, EnrollmentTokensPanel, PendingFactoriesPanel } from "./factory-admission-panels";

describe("factory admission panels", () => {
  it("the enrollment token form asks for a name, a lifetime and a number of registrations", () => {
    const html = renderToStaticMarkup(<EnrollmentTokensPanel />);
    for (const label of ["enrollment token name", "expires in", "registrations allowed"]) expect(html).toContain(`aria-label="${label}"`);
    expect(html).toContain("Create enrollment token");
  });

  it("the approval panel talks to the approve and revoke routes", () => {
    expect(renderToStaticMarkup(<PendingFactoriesPanel />)).toContain("Factories awaiting approval");
    expect(ADMISSION_PATHS.approve("f-1")).toBe("/api/fleet/factories/f-1/approve");
    expect(ADMISSION_PATHS.revoke("f 1")).toBe("/api/fleet/factories/f%201/revoke");
  });

  it("the fleet map lists pending factories first (they need someone)", () => {
    expect(statusRank("pending")).toBeLessThan(statusRank("offline"));
  });
});
