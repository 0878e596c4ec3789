import { randomBytes, randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectDatabase, demo, withRowSecurity, type Database } from "@repti/kit";
import { tables, vivariumInvitations, vivariumMembers, vivariumRoleAudit, vivariums, type VivariumTables } from "../subgraphs/vivarium/src/db/schema.js";
import { requestRole } from "../subgraphs/vivarium/src/db/tenancy.js";
import { loginAdmin } from "./support/auth.js";
import { errorCodes, graphql } from "./support/client.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";
import { addMember, createVivarium, data, register, rolesIn, untilInDirectory, type Person } from "./support/vivariums.js";

/**
 * Tenant isolation that holds below the code: PostgreSQL's row-level security, API keys asking `can`, the
 * permission matrix as the one source of every answer, and accounts leaving identity.
 */
let stack: TestStack;
let db: Database<VivariumTables>;
let alice: Person;
let bob: Person;
let carol: Person;
let aliceVivarium: string;
let bobVivarium: string;
beforeAll(async () => {
  stack = await startTestStack();
  db = connectDatabase({ url: stack.databaseUrl, poolMax: 2, applicationName: "tenancy-test" }, tables);
  [alice, bob, carol] = await Promise.all([register(stack, "alice"), register(stack, "bob"), register(stack, "carol")]);
  await untilInDirectory(stack, [alice, bob, carol]);
  aliceVivarium = (await createVivarium(stack, alice, { name: "Alice's Agamas" })).id;
  bobVivarium = (await createVivarium(stack, bob, { name: "Bob's Boas" })).id;
  data(await addMember(stack, bob, bobVivarium, carol, "CURATOR"));
  data(await graphql(stack.gatewayUrl, `mutation($v: ID!) { inviteVivariumMember(vivariumId: $v, email: "friend@example.com", role: KEEPER) { id } }`, { v: bobVivarium }, bob.auth));
});
/** A login made for one test below; roles are cluster-wide, so it is dropped once the stack is gone. */
const requestLogin = `repti_vivarium_requests_${randomBytes(4).toString("hex")}`;
afterAll(async () => {
  await db?.$client.end();
  await stack?.stop();
  const admin = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop role if exists ${requestLogin}`);
  } finally {
    await admin.end();
  }
});

/** Thrown to end a transaction without keeping what it wrote. */
class Undo extends Error {}

/** Runs as the subgraph's request role for `userId`, rolling back whatever the work wrote. */
async function asUser<T>(userId: string, work: Parameters<typeof withRowSecurity<VivariumTables, T>>[2]): Promise<T> {
  let result: T | undefined;
  await withRowSecurity(db, { role: requestRole, settings: { "repti.user_id": userId } }, async (tx) => {
    result = await work(tx);
    throw new Undo();
  }).catch((error: unknown) => {
    if (!(error instanceof Undo)) throw error;
  });
  return result as T;
}

describe("row-level security", () => {
  it("the request role may not bypass it, and is who the statements run as", async () => {
    const [role] = await withSql(stack, (sql) => sql`select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = ${requestRole}`);
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false });
    const rls = await withSql(stack, (sql) => sql`select relname, relrowsecurity from pg_class
      where relnamespace = 'vivarium'::regnamespace and relname in ('vivariums', 'vivarium_members', 'vivarium_role_audit', 'vivarium_invitations') order by relname`);
    expect(rls.every((table) => table.relrowsecurity)).toBe(true);
  });

  it("queries without any tenant filter see and touch only the acting user's vivariums", async () => {
    const seen = await asUser(alice.id, async (tx) => ({
      vivariums: (await tx.select().from(vivariums)).map((row) => row.id),
      members: (await tx.select().from(vivariumMembers)).map((row) => row.vivariumId),
      audit: (await tx.select().from(vivariumRoleAudit)).map((row) => row.vivariumId),
      invitations: await tx.select().from(vivariumInvitations),
      renamed: (await tx.update(vivariums).set({ name: "Hijacked" }).returning({ id: vivariums.id })).map((row) => row.id),
      removed: (await tx.delete(vivariumMembers).returning({ vivariumId: vivariumMembers.vivariumId })).map((row) => row.vivariumId),
    }));
    expect(seen).toEqual({
      vivariums: [aliceVivarium],
      members: [aliceVivarium],
      audit: [aliceVivarium],
      invitations: [],
      renamed: [aliceVivarium],
      removed: [aliceVivarium],
    });
    // Every other vivarium exists all the same (and the rollback kept Alice's).
    const [counts] = await withSql(stack, (sql) => sql`select (select count(*)::int from vivarium.vivariums) as vivariums,
      (select count(*)::int from vivarium.vivariums where name = 'Hijacked') as hijacked`);
    expect(counts!.vivariums).toBeGreaterThanOrEqual(3);
    expect(counts!.hijacked).toBe(0);
  });

  it("nobody writes into a vivarium they do not belong to, nor joins one uninvited", async () => {
    for (const write of [
      () => asUser(alice.id, (tx) => tx.insert(vivariumMembers).values({ vivariumId: bobVivarium, userId: alice.id, role: "HERPETOLOGIST" })),
      () => asUser(alice.id, (tx) => tx.insert(vivariumRoleAudit).values({ vivariumId: bobVivarium, actorUserId: alice.id, subjectUserId: alice.id })),
      () => asUser(alice.id, (tx) => tx.insert(vivariums).values({ name: "Squat", slug: `squat-${randomUUID()}`, ownerUserId: bob.id })),
    ]) {
      const refusal = await write().then(
        () => "written",
        (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
      );
      expect(refusal).toMatch(/violates row-level security policy/);
    }
    expect(await rolesIn(stack, bobVivarium)).toEqual({ [bob.id]: "HERPETOLOGIST", [carol.id]: "CURATOR" });
  });

  it("acting for nobody sees nothing", async () => {
    expect(await asUser("", async (tx) => [...(await tx.select().from(vivariums)), ...(await tx.select().from(vivariumMembers))])).toEqual([]);
  });

  it("the subgraph's requests really run as the request role: without its grant they fail", async () => {
    const query = `query($v: ID!) { vivarium(id: $v) { name } }`;
    expect(data(await graphql(stack.gatewayUrl, query, { v: aliceVivarium }, alice.auth))).toEqual({ vivarium: { name: "Alice's Agamas" } });
    await withSql(stack, (sql) => sql`revoke select on vivarium.vivariums from ${sql(requestRole)}`);
    try {
      expect(errorCodes(await graphql(stack.gatewayUrl, query, { v: aliceVivarium }, alice.auth))).toEqual(["INTERNAL_SERVER_ERROR"]);
    } finally {
      await withSql(stack, (sql) => sql`grant select on vivarium.vivariums to ${sql(requestRole)}`);
    }
  });

  it("with VIVARIUM_REQUEST_DATABASE_URL, requests connect as a login that cannot leave the policies", async () => {
    // What an operator does once (docker-compose.yml's init script does it): a login that may act as the request role.
    await withSql(stack, (sql) => sql.unsafe(`create role ${requestLogin} login nosuperuser nobypassrls; grant ${requestRole} to ${requestLogin}`));
    const url = new URL(stack.databaseUrl);
    url.username = requestLogin;
    url.password = "";
    const replica = await stack.startReplica(["vivarium"], { VIVARIUM_REQUEST_DATABASE_URL: url.toString() });
    const query = `query($v: ID!) { vivarium(id: $v) { name members { role } } }`;
    expect(data(await graphql(replica.gatewayUrl, query, { v: aliceVivarium }, alice.auth))).toEqual({ vivarium: { name: "Alice's Agamas", members: [{ role: "HERPETOLOGIST" }] } });
    expect(data(await graphql(replica.gatewayUrl, query, { v: bobVivarium }, alice.auth))).toEqual({ vivarium: null });
    const created = data(await graphql(replica.gatewayUrl, `mutation { createVivarium(input: { name: "Through the login" }) { myRole } }`, {}, carol.auth));
    expect(created).toEqual({ createVivarium: { myRole: "HERPETOLOGIST" } });

    const sessions = await withSql(stack, (sql) => sql`select distinct usename from pg_stat_activity where application_name = 'repti-vivarium-requests' and datname = current_database()`);
    expect(sessions).toEqual([{ usename: requestLogin }]);
    // On that connection nothing can become the owner again, and acting for nobody shows no row.
    const direct = postgres(url.toString(), { max: 1, onnotice: () => {} });
    try {
      await expect(direct`set role postgres`).rejects.toThrow(/permission denied/);
      await expect(direct`reset role`.then(() => direct`select count(*)::int as n from vivarium.vivariums`)).resolves.toEqual([{ n: 0 }]);
    } finally {
      await direct.end();
    }
  });

  it("a platform ADMIN has no vivarium of anyone else's: tenancy comes from membership only", async () => {
    const admin = await loginAdmin(stack);
    const response = await graphql(stack.gatewayUrl, `query($v: ID!) { vivarium(id: $v) { id } vivariums { id } }`, { v: bobVivarium }, { authorization: `Bearer ${admin.accessToken}` });
    expect(data(response)).toEqual({ vivarium: null, vivariums: [{ id: demo.vivariumId }] });
  });
});

describe("API keys", () => {
  async function keyOf(person: Person, input: Record<string, unknown>): Promise<Record<string, string>> {
    const response = await graphql(stack.gatewayUrl, `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`, { input: { name: "service", scopes: ["config.read"], ...input } }, person.auth);
    return { "x-api-key": data(response).createApiKey.secret };
  }
  const can = `query($v: ID!, $r: String!, $a: String!) { can(vivariumId: $v, resource: $r, action: $a) }`;

  it("`can` answers for the key's owner, and a key bound to a vivarium only there", async () => {
    const dave = await register(stack, "dave");
    await untilInDirectory(stack, [dave]);
    const first = await createVivarium(stack, dave);
    const second = await createVivarium(stack, dave);
    const anyVivarium = await keyOf(dave, {});
    const bound = await keyOf(dave, { vivariumId: first.id });
    for (const [key, vivariumId, expected] of [
      [anyVivarium, first.id, true],
      [anyVivarium, second.id, true],
      [anyVivarium, bobVivarium, false],
      [bound, first.id, true],
      [bound, second.id, false],
    ] as const) {
      expect(data(await graphql(stack.gatewayUrl, can, { v: vivariumId, r: "billing", a: "update" }, key))).toEqual({ can: expected });
    }
    // Binding restricts, it grants nothing: bound to Bob's vivarium, where Dave is no member, the key may do nothing.
    const foreign = await keyOf(dave, { vivariumId: bobVivarium });
    for (const vivariumId of [bobVivarium, first.id]) {
      expect(data(await graphql(stack.gatewayUrl, can, { v: vivariumId, r: "animals", a: "read" }, foreign))).toEqual({ can: false });
    }
    // What its owner may do decides, at the time of use: once Dave is a mere KEEPER of Bob's vivarium, so is the key.
    data(await addMember(stack, bob, bobVivarium, dave, "KEEPER"));
    expect(data(await graphql(stack.gatewayUrl, can, { v: bobVivarium, r: "animals", a: "read" }, anyVivarium))).toEqual({ can: true });
    expect(data(await graphql(stack.gatewayUrl, can, { v: bobVivarium, r: "animals", a: "update" }, anyVivarium))).toEqual({ can: false });
    expect(data(await graphql(stack.gatewayUrl, can, { v: bobVivarium, r: "animals", a: "read" }, foreign))).toEqual({ can: true });
  });

  it("keys read no vivarium and change none: services ask `can`", async () => {
    const key = await keyOf(alice, {});
    expect(data(await graphql(stack.gatewayUrl, `query($v: ID!) { vivarium(id: $v) { id } }`, { v: aliceVivarium }, key))).toEqual({ vivarium: null });
    expect(errorCodes(await graphql(stack.gatewayUrl, `{ vivariums { id } }`, {}, key))).toEqual(["FORBIDDEN"]);
    const update = await graphql(stack.gatewayUrl, `mutation($v: ID!) { updateVivarium(id: $v, input: { name: "By key" }) { id } }`, { v: aliceVivarium }, key);
    expect(errorCodes(update)).toEqual(["FORBIDDEN"]);
  });
});

describe("the permission matrix is the one source", () => {
  it("a change to role_permissions reaches `can`, vivariumRoles and every check without a restart", async () => {
    const can = `query($v: ID!) { can(vivariumId: $v, resource: "members", action: "create") }`;
    const add = `mutation($v: ID!, $email: String!) { addVivariumMember(vivariumId: $v, email: $email, role: KEEPER) { id } }`;
    const newcomer = await register(stack, "newcomer");
    await untilInDirectory(stack, [newcomer]);
    expect(data(await graphql(stack.gatewayUrl, can, { v: bobVivarium }, carol.auth))).toEqual({ can: true });

    await withSql(stack, (sql) => sql`delete from vivarium.role_permissions where role = 'CURATOR' and resource = 'members' and action = 'create'`);
    try {
      await expect.poll(async () => data(await graphql(stack.gatewayUrl, can, { v: bobVivarium }, carol.auth)).can, { timeout: 5_000 }).toBe(false);
      expect(errorCodes(await graphql(stack.gatewayUrl, add, { v: bobVivarium, email: newcomer.email }, carol.auth))).toEqual(["FORBIDDEN"]);
      const roles = data(await graphql(stack.gatewayUrl, `{ vivariumRoles { role permissions { resource action } } }`));
      const curator = roles.vivariumRoles.find((definition: { role: string }) => definition.role === "CURATOR");
      expect(curator.permissions).not.toContainEqual({ resource: "members", action: "create" });
    } finally {
      await withSql(stack, (sql) => sql`insert into vivarium.role_permissions (role, resource, action) values ('CURATOR', 'members', 'create')`);
    }
    await expect.poll(async () => data(await graphql(stack.gatewayUrl, can, { v: bobVivarium }, carol.auth)).can, { timeout: 5_000 }).toBe(true);
    expect(data(await graphql(stack.gatewayUrl, add, { v: bobVivarium, email: newcomer.email }, carol.auth)).addVivariumMember.id).toBeTruthy();
  });
});

describe("accounts leaving identity", () => {
  /** A platform admin acts on an account in identity; vivarium follows through identity's events. */
  async function adminDoes(mutation: "deleteUser" | "deactivateUser" | "reactivateUser", userId: string): Promise<void> {
    const admin = await loginAdmin(stack);
    const selection = mutation === "deleteUser" ? "" : " { id }";
    data(await graphql(stack.gatewayUrl, `mutation($id: ID!) { ${mutation}(id: $id)${selection} }`, { id: userId }, { authorization: `Bearer ${admin.accessToken}` }));
    await stack.drainOutboxes();
  }

  const membershipsOf = async (userId: string) =>
    (await withSql(stack, (sql) => sql`select count(*)::int as n from vivarium.vivarium_members where user_id = ${userId}`))[0]!.n as number;

  it("a deleted account leaves every vivarium; the longest-standing highest member succeeds a last HERPETOLOGIST; an emptied vivarium is deleted", async () => {
    const [leaver, second, third] = await Promise.all([register(stack, "leaver"), register(stack, "second"), register(stack, "third")]);
    await untilInDirectory(stack, [leaver, second, third]);
    const shared = await createVivarium(stack, leaver);
    data(await addMember(stack, leaver, shared.id, second, "CURATOR"));
    data(await addMember(stack, leaver, shared.id, third, "CURATOR"));
    const alone = await createVivarium(stack, leaver);
    const elsewhere = await createVivarium(stack, second);
    data(await addMember(stack, second, elsewhere.id, leaver, "KEEPER"));

    await adminDoes("deleteUser", leaver.id);
    await expect.poll(() => membershipsOf(leaver.id), { timeout: 5_000 }).toBe(0);
    expect(await rolesIn(stack, shared.id)).toEqual({ [second.id]: "HERPETOLOGIST", [third.id]: "CURATOR" });
    expect(await rolesIn(stack, elsewhere.id)).toEqual({ [second.id]: "HERPETOLOGIST" });

    const view = await graphql(
      stack.gatewayUrl,
      `query($v: ID!) { vivarium(id: $v) { owner { id } roleAudit(first: 2) { oldRole newRole reason changedBy { id } user { id } } } }`,
      { v: shared.id },
      second.auth,
    );
    expect(data(view).vivarium).toEqual({
      owner: { id: second.id },
      roleAudit: [
        { oldRole: "HERPETOLOGIST", newRole: null, reason: "account deleted", changedBy: null, user: { id: leaver.id } },
        { oldRole: "CURATOR", newRole: "HERPETOLOGIST", reason: "succession: the last HERPETOLOGIST left the platform", changedBy: null, user: { id: second.id } },
      ],
    });
    const [lonely] = await withSql(stack, (sql) => sql`select deleted_at from vivarium.vivariums where id = ${alone.id}`);
    expect(lonely!.deleted_at).toBeInstanceOf(Date);
    const inDirectory = async () => (await withSql(stack, (sql) => sql`select count(*)::int as n from vivarium.user_directory where user_id = ${leaver.id}`))[0]!.n;
    await expect.poll(inDirectory, { timeout: 5_000 }).toBe(0);

    // Delivered again, the event changes nothing more.
    const auditBefore = await withSql(stack, (sql) => sql`select count(*)::int as n from vivarium.vivarium_role_audit`);
    await withSql(stack, (sql) => sql`update identity.outbox set published_at = null where type = 'auth.user.deleted' and aggregate_id = ${leaver.id}`);
    await stack.drainOutboxes();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await withSql(stack, (sql) => sql`select count(*)::int as n from vivarium.vivarium_role_audit`)).toEqual(auditBefore);
  });

  it("a deactivated account leaves its vivariums and cannot be added by email until reactivated", async () => {
    const suspended = await register(stack, "suspended");
    await untilInDirectory(stack, [suspended]);
    data(await addMember(stack, bob, bobVivarium, suspended, "HANDLER"));
    await adminDoes("deactivateUser", suspended.id);
    await expect.poll(() => membershipsOf(suspended.id), { timeout: 5_000 }).toBe(0);
    expect(errorCodes(await addMember(stack, bob, bobVivarium, suspended, "HANDLER"))).toEqual(["NOT_FOUND"]);

    await adminDoes("reactivateUser", suspended.id);
    await expect.poll(async () => errorCodes(await addMember(stack, bob, bobVivarium, suspended, "KEEPER")), { timeout: 5_000 }).toEqual([]);
    expect((await rolesIn(stack, bobVivarium))[suspended.id]).toBe("KEEPER");
  });
});
