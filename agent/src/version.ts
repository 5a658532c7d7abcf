/** The agent's version, reported at registration. Kept in step with agent/package.json by hand. */
export const AGENT_VERSION = "0.1.0";

/** Environment as the agent reads it (plain record: Next's typings make NODE_ENV required on ProcessEnv). */
export type Env = Record<string, string | undefined>;
