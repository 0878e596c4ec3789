import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginAdmin, loginKeeper } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";

let stack: TestStack;
let admin: { accessToken: string; user: { id: string } };
beforeAll(async () => {
  stack = await startTestStack();
  admin = await loginAdmin(stack);
});
afterAll(async () => {
  await stack?.stop();
});

const password = "a long and unremarkable terrarium passphrase";
let ipCounter = 0;
const fromNewIp = () => ({ "x-forwarded-for": `192.0.2.${++ipCounter}` });

interface Account {
  id: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  apiKey: string;
}

/** A fresh account holding a session and an API key. */
async function account(name: string): Promise<Account> {
  const email = `${name}-${Date.now()}@example.com`;
  const registered = await graphql(stack.gatewayUrl, "mutation($i: RegisterInput!) { register(input: $i) { accessToken refreshToken user { id } } }", { i: { email, password } }, fromNewIp());
  const { accessToken, refreshToken, user } = registered.data!.register;
  const key = await graphql(stack.gatewayUrl, "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }", { i: { name: "script", scopes: ["auth.introspect"] } }, bearer(accessToken));
  return { id: user.id, email, accessToken, refreshToken, apiKey: key.data!.createApiKey.secret };
}

const login = (email: string) => graphql(stack.gatewayUrl, "mutation($i: LoginInput!) { login(input: $i) { user { id } } }", { i: { email, password } }, fromNewIp());
const me = (headers: Record<string, string>) => graphql(stack.gatewayUrl, "{ me { id } }", {}, headers);
const refresh = (token: string) => graphql(stack.gatewayUrl, "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }", { t: token });

async function row(id: string) {
  return withSql(stack, async (sql) => {
    const [user] = await sql`select is_active from identity.users where id = ${id}`;
    const [keys] = await sql`select count(*)::int as count from identity.api_keys where user_id = ${id} and revoked_at is null`;
    return { user, unrevokedKeys: keys!.count as number };
  });
}

async function eventTypesFor(userId: string): Promise<string[]> {
  await stack.drainOutboxes();
  const response = await graphql(
    stack.gatewayUrl,
    "query($f: EventFilter) { events(filter: $f, first: 50) { edges { node { type payload } } } }",
    { f: { aggregateId: userId } },
    bearer(admin.accessToken),
  );
  return response.data!.events.edges.map((edge: { node: { type: string } }) => edge.node.type);
}

describe("switching accounts off", () => {
  it("is refused to non-admins and to admins on themselves, changing nothing", async () => {
    const target = await account("untouched");
    const keeper = await loginKeeper(stack);
    const mutation = "mutation($id: ID!) { deactivateUser(id: $id) { isActive } }";
    expect(errorCodes(await graphql(stack.gatewayUrl, mutation, { id: target.id }, bearer(keeper.accessToken)))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, mutation, { id: target.id }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, mutation, { id: admin.user.id }, bearer(admin.accessToken)))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, "mutation($id: ID!) { deleteUser(id: $id) }", { id: target.id }, bearer(keeper.accessToken)))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, mutation, { id: "00000000-0000-4000-8000-000000000000" }, bearer(admin.accessToken)))).toEqual(["NOT_FOUND"]);
    expect(await row(target.id)).toEqual({ user: { is_active: true }, unrevokedKeys: 1 });
    expect((await me(bearer(target.accessToken))).data).toEqual({ me: { id: target.id } });
  });

  it("deactivation stops the account at once: sessions, refresh tokens, API keys, sign-in; reactivation lets it sign in again", async () => {
    const target = await account("deactivated");
    expect((await me({ "x-api-key": target.apiKey })).errors).toBeUndefined();
    const deactivated = await graphql(stack.gatewayUrl, "mutation($id: ID!) { deactivateUser(id: $id) { id isActive } }", { id: target.id }, bearer(admin.accessToken));
    expect(deactivated.data).toEqual({ deactivateUser: { id: target.id, isActive: false } });

    expect(errorCodes(await me(bearer(target.accessToken)))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await refresh(target.refreshToken))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await me({ "x-api-key": target.apiKey }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await login(target.email))).toEqual(["UNAUTHENTICATED"]);
    expect(await row(target.id)).toEqual({ user: { is_active: false }, unrevokedKeys: 0 });
    const types = await eventTypesFor(target.id);
    expect(types).toEqual(expect.arrayContaining(["auth.user.updated", "auth.session.ended", "auth.api_key.revoked"]));

    const reactivated = await graphql(stack.gatewayUrl, "mutation($id: ID!) { reactivateUser(id: $id) { isActive } }", { id: target.id }, bearer(admin.accessToken));
    expect(reactivated.data).toEqual({ reactivateUser: { isActive: true } });
    expect((await login(target.email)).data).toEqual({ login: { user: { id: target.id } } });
    // Revoked keys stay revoked: the owner makes new ones.
    expect(errorCodes(await me({ "x-api-key": target.apiKey }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("deletion removes the account and announces auth.user.deleted", async () => {
    const target = await account("deleted");
    const deleted = await graphql(stack.gatewayUrl, "mutation($id: ID!) { deleteUser(id: $id) }", { id: target.id }, bearer(admin.accessToken));
    expect(deleted.data).toEqual({ deleteUser: true });
    expect(errorCodes(await me(bearer(target.accessToken)))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await login(target.email))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, "query($id: ID!) { user(id: $id) { id } }", { id: target.id }, bearer(admin.accessToken)))).toEqual(["NOT_FOUND"]);
    expect((await row(target.id)).user).toBeUndefined();
    expect(await eventTypesFor(target.id)).toContain("auth.user.deleted");
  });
});
