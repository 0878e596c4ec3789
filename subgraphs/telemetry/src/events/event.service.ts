import { DomainError, isUuid, requireAdminOrScope, withoutConfidential, type AuthContext, type EventEnvelope } from "@repti/kit";
import type { EventQuery, EventRecord, EventStore } from "./event.store.js";

export const maxPageSize = 100;
const defaultPageSize = 20;

export interface EventFilterInput {
  types?: readonly string[] | null;
  source?: string | null;
  aggregateId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export interface EventPage {
  records: EventRecord[];
  hasNextPage: boolean;
  cursorOf(record: EventRecord): string;
}

function encodeCursor(record: EventRecord): string {
  return Buffer.from(`${record.occurredAt.toISOString()}|${record.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { occurredAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const occurredAt = new Date(at ?? "");
  if (!id || !isUuid(id) || Number.isNaN(occurredAt.getTime())) throw new DomainError("BAD_USER_INPUT", "Invalid cursor");
  return { occurredAt, id };
}

/** The event log: every domain event of every subgraph, for platform admins (and later the audit views). */
export class EventService {
  constructor(private readonly store: EventStore) {}

  /** Bus consumer: idempotent, since the bus delivers at least once. */
  async record(event: EventEnvelope): Promise<boolean> {
    return this.store.recordOnce({
      id: event.id,
      type: event.type,
      source: event.source,
      aggregateId: event.aggregateId,
      payload: withoutConfidential(event.payload) as object,
      occurredAt: new Date(event.occurredAt),
    });
  }

  async list(auth: AuthContext, filter: EventFilterInput | null, first: number | null, after: string | null): Promise<EventPage> {
    requireAdminOrScope(auth, "events.read", "the event log");
    const size = first ?? defaultPageSize;
    if (!Number.isInteger(size) || size < 1 || size > maxPageSize) {
      throw new DomainError("BAD_USER_INPUT", `first must be between 1 and ${maxPageSize}`);
    }
    const query: EventQuery = { limit: size + 1 };
    if (filter?.types?.length) query.types = filter.types;
    if (filter?.source) query.source = filter.source;
    if (filter?.aggregateId) query.aggregateId = filter.aggregateId;
    if (filter?.from) query.from = filter.from;
    if (filter?.to) query.to = filter.to;
    if (after) query.before = decodeCursor(after);
    const rows = await this.store.page(query);
    return { records: rows.slice(0, size), hasNextPage: rows.length > size, cursorOf: encodeCursor };
  }
}
