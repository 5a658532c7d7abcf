import { describe, expect, it } from "vitest";
import { signInErrorMessage } from "./sign-in-error";

describe("signInErrorMessage", () => {
  it("says what went wrong for next-auth's codes", () => {
    expect(signInErrorMessage("AccessDenied")).toMatch(/Access denied/);
    expect(signInErrorMessage("CredentialsSignin")).toBe("Wrong username or password.");
    expect(signInErrorMessage("Configuration")).toMatch(/misconfigured/);
  });
  it("falls back to a generic sentence for an unknown code, and to nothing without one", () => {
    expect(signInErrorMessage("<script>")).toBe("Sign-in failed. Try again.");
    expect(signInErrorMessage("toString")).toBe("Sign-in failed. Try again.");
    expect(signInErrorMessage(undefined)).toBeUndefined();
    expect(signInErrorMessage("")).toBeUndefined();
  });
});
