/** What can go wrong talking to the coordinator, by what the agent must do about it. */

/** 409 on a lease route: the lease is not ours any more (expired and re-granted, or cancelled). Stop that job. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
  constructor(
    readonly leaseId: string,
    readonly code: string,
  ) {
    super(`lease ${leaseId}: ${code}`);
  }
}

/** 401/403 with the factory token: revoked or unknown factory. Stop the agent. */
export class UnauthorizedError extends Error {
  override name = "UnauthorizedError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The coordinator refused the request as malformed (4xx other than the above): a bug, not worth retrying. */
export class RejectedError extends Error {
  override name = "RejectedError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Network failure, timeout or 5xx/429: retry with backoff. */
export class TransientError extends Error {
  override name = "TransientError";
}
