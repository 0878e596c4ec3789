import { randomBytes } from "node:crypto";
import { bearer, graphql, type GraphQLResponse } from "./client.js";
import { withSql, type TestStack } from "./stack.js";

/** A registered account, signed in. */
export interface Person {
  id: string;
  email: string;
  accessToken: string;
  /** Authorization header of this person. */
  auth: Record<string, string>;
}

export const personPassword = "a quiet corner of the reptile house at dusk";

let addressCounter = 0;
/** Each registration from an address of its own, so per-address limits stay out of the way (the gateway trusts loopback). */
const newAddress = () => {
  addressCounter += 1;
  return { "x-forwarded-for": `198.51.${100 + Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}` };
};

/** Registers through the gateway; `email` defaults to a unique address starting with `label`. */
export async function register(stack: TestStack, label: string, email = `${label}-${randomBytes(4).toString("hex")}@example.com`): Promise<Person> {
  const response = await graphql(
    stack.gatewayUrl,
    `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id email } } }`,
    { input: { email, password: personPassword } },
    newAddress(),
  );
  if (!response.data?.register) throw new Error(`register failed: ${JSON.stringify(response.errors)}`);
  const { accessToken, user } = response.data.register as { accessToken: string; user: { id: string; email: string } };
  return { id: user.id, email: user.email, accessToken, auth: bearer(accessToken) };
}

/** Waits until vivarium's directory knows these accounts (it learns them from identity's events). */
export async function untilInDirectory(stack: TestStack, people: Person[], options: { verified?: boolean } = {}): Promise<void> {
  const ids = people.map((person) => person.id);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = await withSql(stack, (sql) =>
      options.verified
        ? sql`select count(*)::int as n from vivarium.user_directory where user_id = any(${ids}::uuid[]) and email_verified`
        : sql`select count(*)::int as n from vivarium.user_directory where user_id = any(${ids}::uuid[])`,
    );
    if (row!.n === ids.length) return;
    if (Date.now() > deadline) throw new Error("vivarium's directory did not learn the accounts in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const vivariumFields = "id name slug description settings myRole owner { id } members { role user { id } }";

export function data<T = any>(response: GraphQLResponse): T {
  if (response.errors || !response.data) throw new Error(`unexpected errors: ${JSON.stringify(response.errors)}`);
  return response.data as T;
}

export async function createVivarium(stack: TestStack, owner: Person, input: Record<string, unknown> = {}): Promise<{ id: string; slug: string }> {
  const response = await graphql(
    stack.gatewayUrl,
    `mutation($input: CreateVivariumInput!) { createVivarium(input: $input) { id slug } }`,
    { input: { name: `Vivarium ${randomBytes(3).toString("hex")}`, ...input } },
    owner.auth,
  );
  return data(response).createVivarium;
}

export async function addMember(stack: TestStack, by: Person, vivariumId: string, person: Person, role: string): Promise<GraphQLResponse> {
  return graphql(
    stack.gatewayUrl,
    `mutation($v: ID!, $email: String!, $role: VivariumRole!) { addVivariumMember(vivariumId: $v, email: $email, role: $role) { id role user { id } } }`,
    { v: vivariumId, email: person.email, role },
    by.auth,
  );
}

/**
 * Everything of one vivarium that a refused request must leave as it was: the row, the members and their roles,
 * the role history, the invitations, and the events queued for it.
 */
export async function vivariumState(stack: TestStack, vivariumId: string): Promise<unknown> {
  return withSql(stack, async (sql) => ({
    vivarium: await sql`select name, slug, description, settings, owner_user_id, deleted_at, updated_at from vivarium.vivariums where id = ${vivariumId}`,
    members: await sql`select user_id, role from vivarium.vivarium_members where vivarium_id = ${vivariumId} order by user_id`,
    audit: await sql`select count(*)::int as n from vivarium.vivarium_role_audit where vivarium_id = ${vivariumId}`,
    invitations: await sql`select id, email, role, accepted_at, revoked_at from vivarium.vivarium_invitations where vivarium_id = ${vivariumId} order by id`,
    events: await sql`select count(*)::int as n from vivarium.outbox where aggregate_id = ${vivariumId}`,
  }));
}

/** The members of a vivarium as role by user id, read from the table. */
export async function rolesIn(stack: TestStack, vivariumId: string): Promise<Record<string, string>> {
  const rows = await withSql(stack, (sql) => sql`select user_id, role from vivarium.vivarium_members where vivarium_id = ${vivariumId}`);
  return Object.fromEntries(rows.map((row) => [row.user_id as string, row.role as string]));
}
