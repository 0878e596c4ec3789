import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodes, graphql, type GraphQLResponse } from "./support/client.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";
import { addMember, createVivarium, data, register, rolesIn, untilInDirectory, vivariumState, type Person } from "./support/vivariums.js";

/**
 * Every rule of vivarium roles, one cell at a time, through the gateway: KEEPER reads, HANDLER edits data, CURATOR
 * manages members up to CURATOR, HERPETOLOGIST does everything; nobody raises their own role; a vivarium keeps a
 * HERPETOLOGIST. Each refused request is checked for its code and for leaving the vivarium exactly as it was.
 */
let stack: TestStack;
let owner: Person;
let herpetologist: Person;
let curator: Person;
let curator2: Person;
let handler: Person;
let keeper: Person;
let newcomer: Person;
let outsider: Person;

beforeAll(async () => {
  stack = await startTestStack({ env: { OUTBOX_POLL_MS: "200" } });
  const people = await Promise.all(["owner", "herpetologist", "curator", "curator2", "handler", "keeper", "newcomer", "outsider"].map((label) => register(stack, label)));
  [owner, herpetologist, curator, curator2, handler, keeper, newcomer, outsider] = people as [Person, Person, Person, Person, Person, Person, Person, Person];
  await untilInDirectory(stack, [owner, herpetologist, curator, curator2, handler, keeper, newcomer, outsider]);
});
afterAll(async () => {
  await stack?.stop();
});

/** A fresh vivarium of `owner` with one member of each role (and a second HERPETOLOGIST and CURATOR). */
async function team(): Promise<string> {
  const { id } = await createVivarium(stack, owner);
  for (const [person, role] of [
    [herpetologist, "HERPETOLOGIST"],
    [curator, "CURATOR"],
    [curator2, "CURATOR"],
    [handler, "HANDLER"],
    [keeper, "KEEPER"],
  ] as const) {
    data(await addMember(stack, owner, id, person, role));
  }
  return id;
}

/**
 * One team shared by the requests that change nothing (refusals, reads): each refusal is checked to leave the
 * vivarium exactly as it was, so the next one starts from the same state.
 */
let standing: Promise<string> | undefined;
const standingTeam = () => (standing ??= team());
const teamFor = (refusal: string | null) => (refusal ? standingTeam() : team());

const mutations = {
  update: `mutation($v: ID!) { updateVivarium(id: $v, input: { name: "Renamed" }) { name } }`,
  delete: `mutation($v: ID!) { deleteVivarium(id: $v) }`,
  transfer: `mutation($v: ID!, $u: ID!) { transferVivariumOwnership(vivariumId: $v, userId: $u) { owner { id } } }`,
  add: `mutation($v: ID!, $email: String!, $role: VivariumRole!) { addVivariumMember(vivariumId: $v, email: $email, role: $role) { role } }`,
  invite: `mutation($v: ID!, $email: String!, $role: VivariumRole!) { inviteVivariumMember(vivariumId: $v, email: $email, role: $role) { id } }`,
  role: `mutation($v: ID!, $u: ID!, $role: VivariumRole!, $reason: String) { updateMemberRole(vivariumId: $v, userId: $u, role: $role, reason: $reason) { role } }`,
  remove: `mutation($v: ID!, $u: ID!) { removeVivariumMember(vivariumId: $v, userId: $u) }`,
  leave: `mutation($v: ID!) { leaveVivarium(vivariumId: $v) }`,
};

const as = (person: Person, query: string, variables: Record<string, unknown>) => graphql(stack.gatewayUrl, query, variables, person.auth);

/** Asserts the refusal's code, and that the vivarium is exactly as before the request. */
async function expectRefused(vivariumId: string, code: string, request: () => Promise<GraphQLResponse>): Promise<void> {
  const before = await vivariumState(stack, vivariumId);
  const response = await request();
  expect(errorCodes(response)).toEqual([code]);
  expect(await vivariumState(stack, vivariumId)).toEqual(before);
}

describe("reading: every member reads, nobody else learns the vivarium exists", () => {
  it("each role reads the vivarium, its members and its own role", async () => {
    const id = await standingTeam();
    for (const [person, role] of [
      [owner, "HERPETOLOGIST"],
      [curator, "CURATOR"],
      [handler, "HANDLER"],
      [keeper, "KEEPER"],
    ] as const) {
      const response = await as(person, `query($v: ID!) { vivarium(id: $v) { id myRole members { role } } }`, { v: id });
      expect(data(response).vivarium).toMatchObject({ id, myRole: role });
      expect(data(response).vivarium.members).toHaveLength(6);
    }
  });

  it("an outsider, an anonymous caller and a guessed id or slug all get null, the same as a vivarium that does not exist", async () => {
    const id = await standingTeam();
    const { slug } = data(await as(owner, `query($v: ID!) { vivarium(id: $v) { slug } }`, { v: id })).vivarium;
    const query = `query($v: ID, $s: String) { vivarium(id: $v, slug: $s) { id name } }`;
    for (const headers of [outsider.auth, {}]) {
      for (const variables of [{ v: id }, { s: slug }, { v: randomUUID() }, { s: "no-such-vivarium" }]) {
        const response = await graphql(stack.gatewayUrl, query, variables, headers);
        expect(response.errors).toBeUndefined();
        expect(response.data).toEqual({ vivarium: null });
      }
    }
    expect(data(await as(outsider, `{ vivariums { id } me { vivariums { id } } }`, {}))).toEqual({ vivariums: [], me: { vivariums: [] } });
  });

  it("an outsider's changes to someone else's vivarium are NOT_FOUND (never FORBIDDEN), like those to a vivarium that does not exist", async () => {
    const id = await standingTeam();
    for (const vivariumId of [id, randomUUID(), "not-an-id"]) {
      const variables = { v: vivariumId, u: keeper.id, email: newcomer.email, role: "KEEPER" };
      for (const query of Object.values(mutations)) {
        await expectRefused(id, "NOT_FOUND", () => as(outsider, query, variables));
      }
    }
  });

  it("anonymous callers are asked to sign in before any change", async () => {
    const id = await standingTeam();
    await expectRefused(id, "UNAUTHENTICATED", () => graphql(stack.gatewayUrl, mutations.update, { v: id }));
    await expectRefused(id, "UNAUTHENTICATED", () => graphql(stack.gatewayUrl, mutations.leave, { v: id }));
  });
});

describe("the vivarium itself: CURATOR and up change it, only HERPETOLOGISTs delete or hand it over", () => {
  it.each([
    ["KEEPER", () => keeper, "FORBIDDEN"],
    ["HANDLER", () => handler, "FORBIDDEN"],
    ["CURATOR", () => curator, null],
    ["HERPETOLOGIST", () => owner, null],
  ] as const)("updateVivarium as %s", async (_role, who, refusal) => {
    const id = await teamFor(refusal);
    if (refusal) return expectRefused(id, refusal, () => as(who(), mutations.update, { v: id }));
    expect(data(await as(who(), mutations.update, { v: id })).updateVivarium).toEqual({ name: "Renamed" });
  });

  it.each([
    ["KEEPER", () => keeper, "FORBIDDEN"],
    ["HANDLER", () => handler, "FORBIDDEN"],
    ["CURATOR", () => curator, "FORBIDDEN"],
    ["HERPETOLOGIST", () => herpetologist, null],
  ] as const)("deleteVivarium as %s", async (_role, who, refusal) => {
    const id = await teamFor(refusal);
    if (refusal) return expectRefused(id, refusal, () => as(who(), mutations.delete, { v: id }));
    expect(data(await as(who(), mutations.delete, { v: id }))).toEqual({ deleteVivarium: true });
    expect(data(await as(owner, `query($v: ID!) { vivarium(id: $v) { id } }`, { v: id }))).toEqual({ vivarium: null });
  });

  it.each([
    ["KEEPER", () => keeper, "FORBIDDEN"],
    ["HANDLER", () => handler, "FORBIDDEN"],
    ["CURATOR", () => curator, "FORBIDDEN"],
    ["HERPETOLOGIST", () => herpetologist, null],
  ] as const)("transferVivariumOwnership as %s", async (_role, who, refusal) => {
    const id = await teamFor(refusal);
    if (refusal) return expectRefused(id, refusal, () => as(who(), mutations.transfer, { v: id, u: curator.id }));
    expect(data(await as(who(), mutations.transfer, { v: id, u: curator.id })).transferVivariumOwnership).toEqual({ owner: { id: curator.id } });
    // The new owner is a HERPETOLOGIST; the previous owner stays one.
    expect(await rolesIn(stack, id)).toMatchObject({ [curator.id]: "HERPETOLOGIST", [owner.id]: "HERPETOLOGIST" });
  });

  it("transferring to a non-member is NOT_FOUND", async () => {
    const id = await standingTeam();
    await expectRefused(id, "NOT_FOUND", () => as(owner, mutations.transfer, { v: id, u: outsider.id }));
  });
});

describe("adding and inviting: CURATOR and up, for roles up to their own", () => {
  const cells = [
    ["KEEPER", "KEEPER", () => keeper, "FORBIDDEN"],
    ["HANDLER", "KEEPER", () => handler, "FORBIDDEN"],
    ["CURATOR", "KEEPER", () => curator, null],
    ["CURATOR", "HANDLER", () => curator, null],
    ["CURATOR", "CURATOR", () => curator, null],
    ["CURATOR", "HERPETOLOGIST", () => curator, "FORBIDDEN"],
    ["HERPETOLOGIST", "HERPETOLOGIST", () => owner, null],
  ] as const;

  it.each(cells)("addVivariumMember as %s granting %s", async (_role, role, who, refusal) => {
    const id = await teamFor(refusal);
    const variables = { v: id, email: newcomer.email, role };
    if (refusal) return expectRefused(id, refusal, () => as(who(), mutations.add, variables));
    expect(data(await as(who(), mutations.add, variables)).addVivariumMember).toEqual({ role });
    expect((await rolesIn(stack, id))[newcomer.id]).toBe(role);
  });

  it.each(cells)("inviteVivariumMember as %s for %s", async (_role, role, who, refusal) => {
    const id = await teamFor(refusal);
    const variables = { v: id, email: `invitee-${randomUUID()}@example.com`, role };
    if (refusal) return expectRefused(id, refusal, () => as(who(), mutations.invite, variables));
    expect(data(await as(who(), mutations.invite, variables)).inviteVivariumMember.id).toBeTruthy();
  });

  it("adding a member twice is a CONFLICT, an unknown address NOT_FOUND, a malformed one BAD_USER_INPUT", async () => {
    const id = await standingTeam();
    await expectRefused(id, "CONFLICT", () => as(owner, mutations.add, { v: id, email: keeper.email.toUpperCase(), role: "KEEPER" }));
    await expectRefused(id, "CONFLICT", () => as(owner, mutations.invite, { v: id, email: keeper.email, role: "KEEPER" }));
    await expectRefused(id, "NOT_FOUND", () => as(owner, mutations.add, { v: id, email: "nobody-here@example.com", role: "KEEPER" }));
    await expectRefused(id, "BAD_USER_INPUT", () => as(owner, mutations.add, { v: id, email: "<a@evil.example>x@example.com", role: "KEEPER" }));
  });
});

describe("changing roles", () => {
  const cells = [
    ["KEEPER changes a HANDLER", () => keeper, () => handler, "KEEPER", "FORBIDDEN"],
    ["HANDLER changes a KEEPER", () => handler, () => keeper, "HANDLER", "FORBIDDEN"],
    ["CURATOR promotes a KEEPER to HANDLER", () => curator, () => keeper, "HANDLER", null],
    ["CURATOR promotes a KEEPER to CURATOR", () => curator, () => keeper, "CURATOR", null],
    ["CURATOR demotes a CURATOR", () => curator, () => curator2, "KEEPER", null],
    ["CURATOR promotes a KEEPER to HERPETOLOGIST", () => curator, () => keeper, "HERPETOLOGIST", "FORBIDDEN"],
    ["CURATOR demotes a HERPETOLOGIST", () => curator, () => herpetologist, "CURATOR", "FORBIDDEN"],
    ["HERPETOLOGIST promotes a CURATOR to HERPETOLOGIST", () => owner, () => curator, "HERPETOLOGIST", null],
    ["HERPETOLOGIST demotes a HERPETOLOGIST", () => owner, () => herpetologist, "KEEPER", null],
    ["KEEPER raises their own role", () => keeper, () => keeper, "HANDLER", "FORBIDDEN"],
    ["HANDLER raises their own role", () => handler, () => handler, "CURATOR", "FORBIDDEN"],
    ["CURATOR raises their own role", () => curator, () => curator, "HERPETOLOGIST", "FORBIDDEN"],
    ["HANDLER steps down", () => handler, () => handler, "KEEPER", null],
    ["CURATOR steps down", () => curator, () => curator, "HANDLER", null],
    ["HERPETOLOGIST steps down beside another", () => herpetologist, () => herpetologist, "CURATOR", null],
  ] as const;

  it.each(cells)("%s", async (_cell, who, whom, role, refusal) => {
    const id = await teamFor(refusal);
    const variables = { v: id, u: whom().id, role, reason: "breeding season duties" };
    if (refusal) return expectRefused(id, refusal, () => as(who(), mutations.role, variables));
    expect(data(await as(who(), mutations.role, variables)).updateMemberRole).toEqual({ role });
    expect((await rolesIn(stack, id))[whom().id]).toBe(role);
    // The change is audited in the same transaction: who, whom, old, new, reason.
    const [audit] = await withSql(stack, (sql) => sql`select actor_user_id, subject_user_id, old_role, new_role, reason
      from vivarium.vivarium_role_audit where vivarium_id = ${id} order by created_at desc limit 1`);
    expect(audit).toMatchObject({ actor_user_id: who().id, subject_user_id: whom().id, new_role: role, reason: "breeding season duties" });
  });

  it("a non-member target is NOT_FOUND; a reason over 500 characters is BAD_USER_INPUT", async () => {
    const id = await standingTeam();
    await expectRefused(id, "NOT_FOUND", () => as(owner, mutations.role, { v: id, u: outsider.id, role: "KEEPER" }));
    await expectRefused(id, "BAD_USER_INPUT", () => as(owner, mutations.role, { v: id, u: keeper.id, role: "HANDLER", reason: "x".repeat(501) }));
  });
});

describe("removing and leaving", () => {
  const cells = [
    ["KEEPER removes a KEEPER", () => keeper, () => handler, "FORBIDDEN"],
    ["HANDLER removes a KEEPER", () => handler, () => keeper, "FORBIDDEN"],
    ["CURATOR removes a KEEPER", () => curator, () => keeper, null],
    ["CURATOR removes a HANDLER", () => curator, () => handler, null],
    ["CURATOR removes a CURATOR", () => curator, () => curator2, null],
    ["CURATOR removes a HERPETOLOGIST", () => curator, () => herpetologist, "FORBIDDEN"],
    ["HERPETOLOGIST removes a HERPETOLOGIST", () => owner, () => herpetologist, null],
  ] as const;

  it.each(cells)("%s", async (_cell, who, whom, refusal) => {
    const id = await teamFor(refusal);
    const variables = { v: id, u: whom().id };
    if (refusal) return expectRefused(id, refusal, () => as(who(), mutations.remove, variables));
    expect(data(await as(who(), mutations.remove, variables))).toEqual({ removeVivariumMember: true });
    expect(await rolesIn(stack, id)).not.toHaveProperty(whom().id);
    expect(data(await as(whom(), `query($v: ID!) { vivarium(id: $v) { id } }`, { v: id }))).toEqual({ vivarium: null });
  });

  it.each([
    ["KEEPER", () => keeper],
    ["HANDLER", () => handler],
    ["CURATOR", () => curator],
    ["HERPETOLOGIST beside another", () => herpetologist],
  ] as const)("a %s may leave", async (_role, who) => {
    const id = await team();
    expect(data(await as(who(), mutations.leave, { v: id }))).toEqual({ leaveVivarium: true });
    expect(await rolesIn(stack, id)).not.toHaveProperty(who().id);
  });

  it("when the owner leaves, the longest-standing remaining HERPETOLOGIST becomes owner", async () => {
    const id = await team();
    expect(data(await as(owner, mutations.leave, { v: id }))).toEqual({ leaveVivarium: true });
    const { vivarium } = data(await as(herpetologist, `query($v: ID!) { vivarium(id: $v) { owner { id } myRole } }`, { v: id }));
    expect(vivarium).toEqual({ owner: { id: herpetologist.id }, myRole: "HERPETOLOGIST" });
  });
});

describe("a vivarium never loses its last HERPETOLOGIST", () => {
  it("the last HERPETOLOGIST can neither step down, nor leave, nor remove themself (CONFLICT)", async () => {
    const { id } = await createVivarium(stack, owner);
    data(await addMember(stack, owner, id, curator, "CURATOR"));
    await expectRefused(id, "CONFLICT", () => as(owner, mutations.role, { v: id, u: owner.id, role: "CURATOR" }));
    await expectRefused(id, "CONFLICT", () => as(owner, mutations.leave, { v: id }));
    await expectRefused(id, "CONFLICT", () => as(owner, mutations.remove, { v: id, u: owner.id }));
  });

  it("parallel demotions and departures of several HERPETOLOGISTs leave at least one, and the owner is one of them", async () => {
    for (let round = 0; round < 5; round += 1) {
      const { id } = await createVivarium(stack, owner);
      for (const person of [herpetologist, curator, curator2]) data(await addMember(stack, owner, id, person, "HERPETOLOGIST"));
      const herpetologists = [owner, herpetologist, curator, curator2];
      // Everyone steps down, demotes the next one, or leaves, all at once.
      const requests = herpetologists.flatMap((person, index) => {
        const next = herpetologists[(index + 1) % herpetologists.length]!;
        return [
          as(person, mutations.role, { v: id, u: person.id, role: "KEEPER" }),
          as(person, mutations.role, { v: id, u: next.id, role: "CURATOR" }),
          as(person, round % 2 === 0 ? mutations.leave : mutations.remove, { v: id, u: next.id }),
        ];
      });
      const responses = await Promise.all(requests);
      for (const response of responses) {
        for (const code of errorCodes(response)) expect(["CONFLICT", "FORBIDDEN", "NOT_FOUND"]).toContain(code);
      }
      const roles = await rolesIn(stack, id);
      const remaining = Object.entries(roles).filter(([, role]) => role === "HERPETOLOGIST").map(([userId]) => userId);
      expect(remaining.length).toBeGreaterThanOrEqual(1);
      const [row] = await withSql(stack, (sql) => sql`select owner_user_id from vivarium.vivariums where id = ${id}`);
      expect(remaining).toContain(row!.owner_user_id);
    }
  });
});

describe("the role history and the invitations list: CURATOR and up", () => {
  it.each([
    ["KEEPER", () => keeper, "FORBIDDEN"],
    ["HANDLER", () => handler, "FORBIDDEN"],
    ["CURATOR", () => curator, null],
    ["HERPETOLOGIST", () => owner, null],
  ] as const)("roleAudit and invitations as %s", async (_role, who, refusal) => {
    const id = await team();
    data(await as(owner, mutations.role, { v: id, u: keeper.id, role: "HANDLER", reason: "handles the hatchlings" }));
    data(await as(owner, mutations.invite, { v: id, email: "later@example.com", role: "KEEPER" }));
    for (const field of ["roleAudit { id }", "invitations { id }"]) {
      const response = await as(who(), `query($v: ID!) { vivarium(id: $v) { ${field} } }`, { v: id });
      if (refusal) {
        expect(errorCodes(response)).toEqual([refusal]);
        continue;
      }
      expect(response.errors).toBeUndefined();
    }
    if (refusal) return;
    const { vivarium } = data(
      await as(
        who(),
        `query($v: ID!) { vivarium(id: $v) {
          roleAudit(first: 2) { oldRole newRole reason createdAt changedBy { email } user { email } }
          invitations { email role invitedBy { id } vivarium { id } } } }`,
        { v: id },
      ),
    );
    expect(vivarium.roleAudit[0]).toMatchObject({ oldRole: "KEEPER", newRole: "HANDLER", reason: "handles the hatchlings", changedBy: { email: owner.email }, user: { email: keeper.email } });
    expect(vivarium.roleAudit[1]).toMatchObject({ oldRole: null, newRole: "KEEPER", changedBy: { email: owner.email }, user: { email: keeper.email } });
    expect(vivarium.invitations).toEqual([{ email: "later@example.com", role: "KEEPER", invitedBy: { id: owner.id }, vivarium: { id } }]);
  });

  it("every change so far is in the history: creation, additions, role changes, departures", async () => {
    const id = await team();
    data(await as(curator, mutations.role, { v: id, u: keeper.id, role: "HANDLER" }));
    data(await as(handler, mutations.leave, { v: id }));
    const { vivarium } = data(await as(owner, `query($v: ID!) { vivarium(id: $v) { roleAudit { oldRole newRole changedBy { id } user { id } } } }`, { v: id }));
    expect(vivarium.roleAudit).toEqual([
      { oldRole: "HANDLER", newRole: null, changedBy: { id: handler.id }, user: { id: handler.id } },
      { oldRole: "KEEPER", newRole: "HANDLER", changedBy: { id: curator.id }, user: { id: keeper.id } },
      { oldRole: null, newRole: "KEEPER", changedBy: { id: owner.id }, user: { id: keeper.id } },
      { oldRole: null, newRole: "HANDLER", changedBy: { id: owner.id }, user: { id: handler.id } },
      { oldRole: null, newRole: "CURATOR", changedBy: { id: owner.id }, user: { id: curator2.id } },
      { oldRole: null, newRole: "CURATOR", changedBy: { id: owner.id }, user: { id: curator.id } },
      { oldRole: null, newRole: "HERPETOLOGIST", changedBy: { id: owner.id }, user: { id: herpetologist.id } },
      { oldRole: null, newRole: "HERPETOLOGIST", changedBy: { id: owner.id }, user: { id: owner.id } },
    ]);
  });
});

describe("can: the permission matrix answered for the caller", () => {
  const query = `query($v: ID!, $r: String!, $a: String!) { can(vivariumId: $v, resource: $r, action: $a) }`;
  it.each([
    ["KEEPER reads animals", () => keeper, "animals", "read", true],
    ["KEEPER adds animals", () => keeper, "animals", "create", false],
    ["HANDLER adds animals", () => handler, "animals", "create", true],
    ["HANDLER updates clutches", () => handler, "clutches", "update", true],
    ["HANDLER manages members", () => handler, "members", "create", false],
    ["CURATOR manages members", () => curator, "members", "update", true],
    ["CURATOR changes billing", () => curator, "billing", "update", false],
    ["CURATOR deletes the vivarium", () => curator, "vivarium", "delete", false],
    ["HERPETOLOGIST changes billing", () => owner, "billing", "update", true],
    ["HERPETOLOGIST deletes the vivarium", () => owner, "vivarium", "delete", true],
    ["an outsider reads animals", () => outsider, "animals", "read", false],
  ] as const)("%s", async (_cell, who, resource, action, expected) => {
    const id = await standingTeam();
    expect(data(await as(who(), query, { v: id, r: resource, a: action }))).toEqual({ can: expected });
  });

  it("a resource or action the matrix does not know is BAD_USER_INPUT; anonymous callers are UNAUTHENTICATED", async () => {
    const id = await standingTeam();
    expect(errorCodes(await as(owner, query, { v: id, r: "snakes", a: "read" }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await as(owner, query, { v: id, r: "animals", a: "feed" }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, query, { v: id, r: "animals", a: "read" }))).toEqual(["UNAUTHENTICATED"]);
  });
});
