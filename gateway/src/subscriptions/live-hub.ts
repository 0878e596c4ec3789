import type { FormattedExecutionResult } from "graphql";
import type { AuthContext, EventBus, EventEnvelope, Logger } from "@repti/kit";
import type { LiveField } from "./live-fields.js";
import { changeIdVariable, type LiveOperation } from "./live-operation.js";

/** Runs a query through the gateway for a caller (the gateway's own executor, in process). */
export type LiveExecutor<TCaller> = (query: string, variables: Record<string, unknown>, caller: TCaller) => Promise<FormattedExecutionResult>;

/** What the hub needs of a subscriber's connection. */
export interface LiveCaller {
  readonly auth: AuthContext;
  /** Sends one protocol message (already serialized). */
  send(message: string): void;
  /** Ends the connection: its credentials were refused. */
  refuse(reason: string): void;
}

/** One subscription of one connection. */
interface Member<TCaller extends LiveCaller> {
  caller: TCaller;
  args: Readonly<Record<string, unknown>>;
  /** `{"id":"<operation id>","type":"next","payload":` — the message up to the shared payload. */
  messageHead: string;
  /** Completes this subscription (its caller may no longer read its changes). */
  end(): void;
}

/** The subscribers that share one query, variables and permission scope: each event is resolved once for all. */
interface Group<TCaller extends LiveCaller> {
  key: string;
  field: LiveField;
  responseKey: string;
  query: string;
  variables: Record<string, unknown>;
  members: Set<Member<TCaller>>;
  /** Deliveries of this group, in event order. */
  queue: Promise<void>;
}

/**
 * Who shares an answer. When the selection stays within fields that answer alike for one role and scope set,
 * callers with the same role and scopes share one; otherwise each caller gets their own.
 */
function permissionScope(auth: AuthContext, callerIndependent: boolean): string {
  if (auth.kind === "anonymous") return "anonymous";
  const scopes = [...auth.scopes].sort().join(" ");
  if (auth.kind === "user") return callerIndependent ? `role ${auth.platformRole} ${scopes}` : `user ${auth.userId} ${auth.platformRole} ${scopes}`;
  return callerIndependent ? `service ${auth.vivariumId ?? "-"} ${scopes}` : `key ${auth.apiKeyId}`;
}

/** Object keys in a fixed order, so equal variables make equal group keys. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Executions running at once. A change that many distinct groups watch queues here rather than opening thousands
 * of requests to the subgraphs in one go; groups of many subscribers are what keeps this small.
 */
const maxConcurrentExecutions = 32;

/**
 * Why the root field was refused for a caller, if it was: their credentials (a session ended a moment ago: the
 * connection ends), or their access (removed from a vivarium, a scope gone: that subscription ends).
 */
function rootRefusal(result: FormattedExecutionResult, responseKey: string): "credentials" | "access" | undefined {
  const codes = (result.errors ?? []).filter((error) => error.path?.length === 1 && error.path[0] === responseKey).map((error) => error.extensions?.code);
  if (codes.includes("UNAUTHENTICATED")) return "credentials";
  if (codes.includes("FORBIDDEN") || codes.includes("NOT_FOUND")) return "access";
  return undefined;
}

/**
 * The ids of the last `capacity` events, to drop a redelivery: the outbox relays publish at least once (a relay
 * that dies after publishing, before marking the row, publishes it again), and a subscriber must see a change once.
 */
class RecentEventIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  /** True the first time an id is seen within the window. */
  firstSighting(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    // A Set iterates in insertion order: the first entry is the oldest.
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}

/** Far more events than a relay could republish after a crash (one batch), at a few hundred KB. */
const redeliveryWindow = 10_000;

/**
 * Fans bus events out to subscribers. Subscriptions with the same query, variables and permission scope form a
 * group; for each event, the filters (the root field's arguments) pick the group's members that want it before
 * any work, then the query runs once with one member's credentials and the one serialized result goes to every
 * picked member. Deliveries of a group keep event order.
 */
export class LiveHub<TCaller extends LiveCaller> {
  private readonly groups = new Map<string, Group<TCaller>>();
  private readonly groupsByEvent = new Map<string, Set<Group<TCaller>>>();
  private unsubscribe: (() => void) | undefined;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly seen = new RecentEventIds(redeliveryWindow);

  constructor(
    private readonly bus: EventBus,
    private readonly execute: LiveExecutor<TCaller>,
    private readonly log: Logger,
  ) {}

  /** Starts listening for the events of every live field. */
  start(fields: readonly LiveField[]): void {
    this.unsubscribe = this.bus.subscribe((event) => this.dispatch(event), { types: [...new Set(fields.flatMap((field) => field.events))] });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Adds one subscription; returns how to remove it. `end` completes it, for when its caller may no longer read. */
  add(operation: LiveOperation, caller: TCaller, operationId: string, end: () => void): () => void {
    const key = `${operation.fieldName}\n${operation.query}\n${canonicalJson(operation.variables)}\n${permissionScope(caller.auth, operation.callerIndependent)}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { key, field: operation.field, responseKey: operation.responseKey, query: operation.query, variables: operation.variables, members: new Set(), queue: Promise.resolve() };
      this.groups.set(key, group);
      for (const type of operation.field.events) {
        const groups = this.groupsByEvent.get(type) ?? new Set();
        this.groupsByEvent.set(type, groups.add(group));
      }
    }
    const member: Member<TCaller> = { caller, args: operation.args, messageHead: `{"id":${JSON.stringify(operationId)},"type":"next","payload":`, end };
    group.members.add(member);
    const joined = group;
    return () => {
      joined.members.delete(member);
      if (joined.members.size > 0 || this.groups.get(joined.key) !== joined) return;
      this.groups.delete(joined.key);
      for (const type of joined.field.events) this.groupsByEvent.get(type)?.delete(joined);
    };
  }

  /** How many groups and subscriptions there are (the grouping tests read it). */
  size(): { groups: number; subscriptions: number } {
    let subscriptions = 0;
    for (const group of this.groups.values()) subscriptions += group.members.size;
    return { groups: this.groups.size, subscriptions };
  }

  private dispatch(event: EventEnvelope): void {
    if (!this.seen.firstSighting(event.id)) return;
    for (const group of this.groupsByEvent.get(event.type) ?? []) {
      const changeId = group.field.changeId(event);
      if (changeId === undefined) continue;
      const audience = [...group.members].filter((member) => group.field.accepts(member.args, event));
      if (audience.length === 0) continue;
      group.queue = group.queue
        .then(() => this.deliver(group, changeId, audience))
        .catch((error: unknown) => this.log.error({ err: error, eventId: event.id, type: event.type }, "live delivery failed"));
    }
  }

  private async deliver(group: Group<TCaller>, changeId: string, audience: Member<TCaller>[]): Promise<void> {
    let payload: string | undefined;
    // Anyone in the group would get the same answer: ask as the first member whose credentials still hold.
    for (const member of audience) {
      if (!group.members.has(member)) continue;
      const result = await this.withSlot(() => this.execute(group.query, { ...group.variables, [changeIdVariable]: changeId }, member.caller));
      const refusal = rootRefusal(result, group.responseKey);
      if (refusal === "credentials") {
        member.caller.refuse("Credentials no longer accepted");
        continue;
      }
      if (refusal === "access") {
        // The refusal is its last message (the client learns why), then the subscription completes.
        member.caller.send(`${member.messageHead}${JSON.stringify({ data: result.data ?? null, errors: result.errors })}}`);
        member.end();
        continue;
      }
      if (result.data?.[group.responseKey] === null && !result.errors?.length) {
        this.log.warn({ changeId, field: group.field.queryField }, "an announced change was not found; nothing delivered");
        return;
      }
      payload = JSON.stringify(result.errors?.length ? { data: result.data ?? null, errors: result.errors } : { data: result.data });
      break;
    }
    if (payload === undefined) return;
    for (const member of audience) {
      if (group.members.has(member)) member.caller.send(`${member.messageHead}${payload}}`);
    }
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= maxConcurrentExecutions) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}
