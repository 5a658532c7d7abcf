/**
 * The retention limits the environment gives (FLEET_RETENTION_DAYS, FLEET_RETENTION_LOGS_DAYS,
 * FLEET_RETENTION_EVENTS_DAYS), in days. Their own file, importing nothing: the coordinator context
 * names this type, and retention/ takes that context (no import circle, not even a type-only one).
 */
export interface RetentionEnv {
  days?: number;
  logsDays?: number;
  eventsDays?: number;
}
