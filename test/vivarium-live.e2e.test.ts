import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "./support/client.js";
import { openLiveClient, type LiveClient, type LiveResult, type LiveSubscription } from "./support/live.js";
import { startTestStack, type TestStack } from "./support/stack.js";
import { addMember, createVivarium, data, register, untilInDirectory, type Person } from "./support/vivariums.js";

/** `vivariumMembershipChanged` through the gateway with the graphql-ws client: members follow their vivarium live. */
let stack: TestStack;
let owner: Person;
let curator: Person;
let keeper: Person;
let warm: Person;
let newcomer: Person;
let outsider: Person;
let vivariumId: string;
let elsewhere: string;
const clients: LiveClient[] = [];

beforeAll(async () => {
  stack = await startTestStack({ seedDemoData: false });
  [owner, curator, keeper, warm, newcomer, outsider] = await Promise.all([
    register(stack, "owner"),
    register(stack, "curator"),
    register(stack, "keeper"),
    register(stack, "warm"),
    register(stack, "newcomer"),
    register(stack, "outsider"),
  ]);
  await untilInDirectory(stack, [owner, curator, keeper, warm, newcomer, outsider]);
  vivariumId = (await createVivarium(stack, owner)).id;
  for (const [person, role] of [[curator, "CURATOR"], [keeper, "KEEPER"], [warm, "KEEPER"]] as const) data(await addMember(stack, owner, vivariumId, person, role));
  elsewhere = (await createVivarium(stack, outsider)).id;
});
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.dispose()));
  await stack?.stop();
});

interface Changed {
  changed: {
    action: string;
    vivariumId: string;
    oldRole: string | null;
    newRole: string | null;
    reason: string | null;
    user: { email: string };
    changedBy: { email: string } | null;
  };
}
const membershipChanges = `subscription($v: ID!) {
  changed: vivariumMembershipChanged(vivariumId: $v) { action vivariumId oldRole newRole reason user { email } changedBy { email } }
}`;

const open = (person: Person | null) => {
  const client = openLiveClient(stack.gatewayUrl, person ? { authorization: `Bearer ${person.accessToken}` } : {});
  clients.push(client);
  return client;
};
const setRole = (vivarium: string, person: Person, role: string, reason: string | null = null) =>
  graphql(
    stack.gatewayUrl,
    `mutation($v: ID!, $u: ID!, $r: VivariumRole!, $why: String) { updateMemberRole(vivariumId: $v, userId: $u, role: $r, reason: $why) { role } }`,
    { v: vivarium, u: person.id, r: role, why: reason },
    owner.auth,
  );
const about = (email: string) => (result: LiveResult<Changed>) => result.data?.changed.user.email === email;

/** Changes the warm-up member's role back and forth until every subscription has heard one (set-up is asynchronous). */
async function untilListening(subscriptions: LiveSubscription<Changed>[]): Promise<void> {
  let role = "KEEPER";
  const deadline = Date.now() + 20_000;
  while (subscriptions.some((subscription) => !subscription.results.some(about(warm.email)))) {
    if (Date.now() > deadline) throw new Error("subscriptions never started listening");
    role = role === "KEEPER" ? "HANDLER" : "KEEPER";
    data(await setRole(vivariumId, warm, role));
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe("vivariumMembershipChanged", () => {
  it("tells members who joined, changed role and left, with the reason only for CURATOR and up", async () => {
    const asCurator = open(curator).subscribe<Changed>(membershipChanges, { v: vivariumId });
    const asKeeper = open(keeper).subscribe<Changed>(membershipChanges, { v: vivariumId });
    await untilListening([asCurator, asKeeper]);

    data(await addMember(stack, outsider, elsewhere, newcomer, "KEEPER")); // another vivarium: nobody here hears it
    data(await addMember(stack, owner, vivariumId, newcomer, "KEEPER"));
    data(await setRole(vivariumId, newcomer, "HANDLER", "handles the hatchlings"));
    data(await graphql(stack.gatewayUrl, `mutation($v: ID!, $u: ID!) { removeVivariumMember(vivariumId: $v, userId: $u) }`, { v: vivariumId, u: newcomer.id }, owner.auth));

    for (const [subscription, reason] of [[asCurator, "handles the hatchlings"], [asKeeper, null]] as const) {
      await subscription.next((result) => about(newcomer.email)(result) && result.data!.changed.action === "REMOVED");
      const seen = subscription.results.filter(about(newcomer.email)).map((result) => result.data!.changed);
      expect(seen).toEqual([
        { action: "ADDED", vivariumId, oldRole: null, newRole: "KEEPER", reason: null, user: { email: newcomer.email }, changedBy: { email: owner.email } },
        { action: "ROLE_CHANGED", vivariumId, oldRole: "KEEPER", newRole: "HANDLER", reason, user: { email: newcomer.email }, changedBy: { email: owner.email } },
        { action: "REMOVED", vivariumId, oldRole: "HANDLER", newRole: null, reason: null, user: { email: newcomer.email }, changedBy: { email: owner.email } },
      ]);
      expect(subscription.results.every((result) => result.data?.changed.vivariumId === vivariumId)).toBe(true);
    }
  });

  it("ends the subscription of a member who is removed, after telling them", async () => {
    const leaver = await register(stack, "leaver");
    await untilInDirectory(stack, [leaver]);
    data(await addMember(stack, owner, vivariumId, leaver, "KEEPER"));
    const asLeaver = open(leaver).subscribe<Changed>(membershipChanges, { v: vivariumId });
    await untilListening([asLeaver]);
    data(await graphql(stack.gatewayUrl, `mutation($v: ID!, $u: ID!) { removeVivariumMember(vivariumId: $v, userId: $u) }`, { v: vivariumId, u: leaver.id }, owner.auth));
    await asLeaver.completed;
    expect(asLeaver.results.at(-1)!.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    // Nothing after that: the next change is not resolved for them.
    const heard = asLeaver.results.length;
    data(await setRole(vivariumId, warm, "HANDLER"));
    data(await setRole(vivariumId, warm, "KEEPER"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(asLeaver.results).toHaveLength(heard);
  });

  it("refuses outsiders as if the vivarium did not exist, and signed-out callers", async () => {
    const code = async (person: Person | null, v: string) => (await open(person).subscribe(membershipChanges, { v }).refused)?.map((error) => error.extensions?.code);
    expect(await code(outsider, vivariumId)).toEqual(["NOT_FOUND"]);
    expect(await code(outsider, "00000000-0000-4000-8000-00000000abcd")).toEqual(["NOT_FOUND"]);
    expect(await code(outsider, "not-a-uuid")).toEqual(["NOT_FOUND"]);
    expect(await code(null, vivariumId)).toEqual(["UNAUTHENTICATED"]);
  });
});
