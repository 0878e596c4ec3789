/**
 * Part of an event's payload meant for its one consumer only (an invitation's token, for the mailer): whoever
 * records or relays events for others (the event log, live streams) drops it.
 */
export const confidentialKey = "confidential";

export interface ConfidentialPart {
  confidential?: Record<string, unknown>;
}

/** The payload as the event log keeps it: without its confidential part. */
export function withoutConfidential(payload: unknown): unknown {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload) || !(confidentialKey in payload)) return payload;
  const { confidential: _dropped, ...rest } = payload as Record<string, unknown>;
  return rest;
}
