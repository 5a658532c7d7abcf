/** A bad flag, env var or config value: printed as one clear line, exit code 2, no stack. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The coordinator refused this factory for good (bad/revoked token): stop with a clear message. */
export class FatalAgentError extends Error {
  override name = "FatalAgentError";
}
