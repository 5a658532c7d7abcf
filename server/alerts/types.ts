/**
 * The alert settings the environment gives (server/env.ts → wiring.ts → the coordinator context).
 * Their own file, importing nothing: the coordinator context names this type, and alerts/ takes
 * that context, so keeping it beside alertSinks (config.ts) made a type-only import circle.
 */
export interface AlertEnv {
  webhookUrl?: string;
  webhookSecret?: string;
  slackUrl?: string;
  smtpUrl?: string;
  emailFrom?: string;
  emailTo?: string[];
  /** an open alert is sent again after this long (default 1 h) */
  quietMs?: number;
  /** first retry after this long, doubling per attempt (default 5 s) */
  retryMs?: number;
  /** the control plane's address, for links in messages */
  baseUrl?: string;
}
