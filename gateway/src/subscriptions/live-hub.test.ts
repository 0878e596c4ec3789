import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { FormattedExecutionResult } from "graphql";
import { createLogger, InProcessBus, type AuthContext } from "@repti/kit";
import { liveFields } from "./live-fields.js";
import { LiveHub, type LiveCaller } from "./live-hub.js";
import type { LiveOperation } from "./live-operation.js";

const log = createLogger("live-hub-test", "silent");

class FakeCaller implements LiveCaller {
  readonly messages: unknown[] = [];
  refusedWith: string | undefined;
  /** Subscriptions the hub completed because the caller may no longer read them. */
  readonly ended: string[] = [];
  constructor(readonly auth: AuthContext) {}
  send(message: string): void {
    this.messages.push(JSON.parse(message));
  }
  refuse(reason: string): void {
    this.refusedWith = reason;
  }
}

const admin = (userId: string = randomUUID()): Extract<AuthContext, { kind: "user" }> => ({ kind: "user", userId, sessionId: randomUUID(), platformRole: "ADMIN", scopes: [] });
const service = (scopes: string[]): AuthContext => ({ kind: "service", apiKeyId: randomUUID(), ownerId: randomUUID(), scopes });

function watch(args: Record<string, unknown> = {}, callerIndependent = true): LiveOperation {
  return {
    fieldName: "featureFlagChanged",
    responseKey: "changed",
    field: liveFields.featureFlagChanged!,
    args,
    query: "query($__liveChangeId: ID!) { changed: featureFlagChange(id: $__liveChangeId) { action } }",
    variables: {},
    callerIndependent,
  };
}

function toggled(name: string, changeId: string = randomUUID()) {
  return { id: randomUUID(), type: "config.feature.toggled", source: "config", aggregateId: null, payload: { changeId, name }, occurredAt: new Date().toISOString() };
}

/** A hub on an in-process bus whose executor records each call and answers with `answer`. */
function hubWith(answer: (variables: Record<string, unknown>, caller: FakeCaller) => Promise<FormattedExecutionResult> | FormattedExecutionResult) {
  const bus = new InProcessBus(log);
  const calls: Array<{ variables: Record<string, unknown>; caller: FakeCaller }> = [];
  const hub = new LiveHub<FakeCaller>(bus, async (_query, variables, caller) => {
    calls.push({ variables, caller });
    return answer(variables, caller);
  }, log);
  hub.start(Object.values(liveFields));
  return { bus, hub, calls };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Adds a subscription as the server does: ending it (the caller lost access) removes it from the hub. */
function join(hub: LiveHub<FakeCaller>, operation: LiveOperation, caller: FakeCaller, operationId: string): () => void {
  const leave = hub.add(operation, caller, operationId, () => {
    caller.ended.push(operationId);
    leave();
  });
  return leave;
}

describe("LiveHub", () => {
  it("resolves an event once per group and sends the one result to every member under its own id", async () => {
    const { bus, hub, calls } = hubWith((variables) => ({ data: { changed: { action: "TOGGLED", id: variables.__liveChangeId } } }));
    const callers = [admin(), admin(), admin()].map((auth) => new FakeCaller(auth));
    callers.forEach((caller, i) => join(hub, watch(), caller, `op-${i}`));
    expect(hub.size()).toEqual({ groups: 1, subscriptions: 3 });

    await bus.publish(toggled("pedigree-explorer", "change-1"));
    await settle();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.variables).toEqual({ __liveChangeId: "change-1" });
    callers.forEach((caller, i) =>
      expect(caller.messages).toEqual([{ id: `op-${i}`, type: "next", payload: { data: { changed: { action: "TOGGLED", id: "change-1" } } } }]),
    );
  });

  it("delivers an event published twice (the relays publish at least once) only once", async () => {
    const { bus, hub, calls } = hubWith(() => ({ data: { changed: { action: "TOGGLED" } } }));
    const caller = new FakeCaller(admin());
    join(hub, watch(), caller, "op");
    const event = toggled("pedigree-explorer");
    await bus.publish(event);
    await bus.publish({ ...event });
    await bus.publish(toggled("pedigree-explorer"));
    await settle();
    expect(calls).toHaveLength(2);
    expect(caller.messages).toHaveLength(2);
  });

  it("applies the filters before any work: no execution when no member wants the event", async () => {
    const { bus, hub, calls } = hubWith(() => ({ data: { changed: { action: "TOGGLED" } } }));
    const onlyA = new FakeCaller(admin());
    const aOrB = new FakeCaller(admin());
    join(hub, watch({ names: ["a"] }), onlyA, "1");
    join(hub, watch({ names: ["a", "b"] }), aOrB, "2");

    await bus.publish(toggled("c"));
    await settle();
    expect(calls).toHaveLength(0);

    await bus.publish(toggled("b"));
    await settle();
    expect(calls).toHaveLength(1);
    expect(onlyA.messages).toHaveLength(0);
    expect(aOrB.messages).toHaveLength(1);
  });

  it("keeps callers of different roles and scopes apart, and callers apart when the selection depends on who asks", async () => {
    const { bus, hub, calls } = hubWith(() => ({ data: { changed: { action: "TOGGLED" } } }));
    const sameUser = admin("11111111-1111-4111-8111-111111111111");
    join(hub, watch(), new FakeCaller(admin()), "1");
    join(hub, watch(), new FakeCaller(admin()), "2");
    join(hub, watch(), new FakeCaller(service(["flag.read"])), "3");
    join(hub, watch(), new FakeCaller(service(["flag.read"])), "4");
    join(hub, watch(), new FakeCaller(service(["flag.read", "flag.write"])), "5");
    join(hub, watch({}, false), new FakeCaller(sameUser), "6");
    join(hub, watch({}, false), new FakeCaller({ ...sameUser, sessionId: randomUUID() }), "7");
    join(hub, watch({}, false), new FakeCaller(admin()), "8");
    expect(hub.size()).toEqual({ groups: 5, subscriptions: 8 });

    await bus.publish(toggled("x"));
    await settle();
    expect(calls).toHaveLength(5);
  });

  it("groups by selection variables, in any key order, and runs each group with its own", async () => {
    const { bus, hub, calls } = hubWith(() => ({ data: { changed: { action: "TOGGLED" } } }));
    const withVariables = (variables: Record<string, unknown>): LiveOperation => ({ ...watch(), variables });
    join(hub, withVariables({ withFlag: true, depth: 1 }), new FakeCaller(admin()), "1");
    join(hub, withVariables({ depth: 1, withFlag: true }), new FakeCaller(admin()), "2");
    join(hub, withVariables({ withFlag: false, depth: 1 }), new FakeCaller(admin()), "3");
    expect(hub.size()).toEqual({ groups: 2, subscriptions: 3 });

    await bus.publish(toggled("x", "change-9"));
    await settle();
    expect(calls.map((call) => call.variables)).toEqual(
      expect.arrayContaining([
        { withFlag: true, depth: 1, __liveChangeId: "change-9" },
        { withFlag: false, depth: 1, __liveChangeId: "change-9" },
      ]),
    );
    expect(calls).toHaveLength(2);
  });

  it("delivers a group's events in the order they came, however long each resolution takes", async () => {
    const delays: Record<string, number> = { first: 60, second: 5 };
    const { bus, hub } = hubWith(async (variables) => {
      await new Promise((resolve) => setTimeout(resolve, delays[String(variables.__liveChangeId)]));
      return { data: { changed: { action: variables.__liveChangeId } } };
    });
    const caller = new FakeCaller(admin());
    join(hub, watch(), caller, "1");
    await bus.publish(toggled("x", "first"));
    await bus.publish(toggled("x", "second"));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(caller.messages.map((message) => (message as { payload: { data: { changed: { action: string } } } }).payload.data.changed.action)).toEqual([
      "first",
      "second",
    ]);
  });

  it("asks again as the next member when the first one's credentials are refused, and ends the refused connection", async () => {
    const revoked = new FakeCaller(admin());
    const fine = new FakeCaller(admin());
    const { bus, hub, calls } = hubWith((_variables, caller) =>
      caller === revoked
        ? { data: { changed: null }, errors: [{ message: "Session ended", path: ["changed"], extensions: { code: "UNAUTHENTICATED" } }] }
        : { data: { changed: { action: "TOGGLED" } } },
    );
    join(hub, watch(), revoked, "1");
    join(hub, watch(), fine, "2");
    await bus.publish(toggled("x"));
    await settle();
    expect(calls.map((call) => call.caller)).toEqual([revoked, fine]);
    expect(revoked.refusedWith).toMatch(/no longer accepted/);
    expect(fine.messages).toEqual([{ id: "2", type: "next", payload: { data: { changed: { action: "TOGGLED" } } } }]);
  });

  it("completes a subscription whose caller lost access (NOT_FOUND or FORBIDDEN at the root), after telling it why", async () => {
    const removed = new FakeCaller(admin());
    const member = new FakeCaller(admin());
    const refusal = { data: { changed: null }, errors: [{ message: "Vivarium not found", path: ["changed"], extensions: { code: "NOT_FOUND" } }] };
    const { bus, hub, calls } = hubWith((_variables, caller) => (caller === removed ? refusal : { data: { changed: { action: "TOGGLED" } } }));
    join(hub, watch({}, false), removed, "1");
    join(hub, watch({}, false), member, "2");
    await bus.publish(toggled("x"));
    await settle();
    expect(removed.messages).toEqual([{ id: "1", type: "next", payload: refusal }]);
    expect(removed.ended).toEqual(["1"]);
    expect(removed.refusedWith).toBeUndefined();
    expect(hub.size()).toEqual({ groups: 1, subscriptions: 1 });

    await bus.publish(toggled("x"));
    await settle();
    expect(calls.filter((call) => call.caller === removed)).toHaveLength(1);
    expect(member.messages).toHaveLength(2);
  });

  it("passes other errors on as they are, and sends nothing for a change that cannot be found", async () => {
    let answer: FormattedExecutionResult = { data: { changed: null }, errors: [{ message: "Sign in to see other users", path: ["changed", "changedBy"], extensions: { code: "UNAUTHENTICATED" } }] };
    const { bus, hub } = hubWith(() => answer);
    const caller = new FakeCaller({ kind: "anonymous" });
    join(hub, watch(), caller, "1");
    await bus.publish(toggled("x"));
    await settle();
    expect(caller.refusedWith).toBeUndefined();
    expect(caller.messages).toEqual([{ id: "1", type: "next", payload: answer }]);

    answer = { data: { changed: null } };
    await bus.publish(toggled("x"));
    await settle();
    expect(caller.messages).toHaveLength(1);
  });

  it("forgets a group when its last member leaves, and sends nothing to members that left", async () => {
    const { bus, hub, calls } = hubWith(() => ({ data: { changed: { action: "TOGGLED" } } }));
    const a = new FakeCaller(admin());
    const b = new FakeCaller(admin());
    const leaveA = join(hub, watch(), a, "1");
    const leaveB = join(hub, watch(), b, "2");
    leaveA();
    await bus.publish(toggled("x"));
    await settle();
    expect(a.messages).toHaveLength(0);
    expect(b.messages).toHaveLength(1);
    leaveB();
    expect(hub.size()).toEqual({ groups: 0, subscriptions: 0 });
    await bus.publish(toggled("x"));
    await settle();
    expect(calls).toHaveLength(1);
  });
});
