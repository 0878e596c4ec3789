import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, createLogger } from "@repti/kit";
import { tables } from "../subgraphs/vivarium/src/db/schema.js";
import { Tenancy } from "../subgraphs/vivarium/src/db/tenancy.js";
import { RetentionPurge } from "../subgraphs/vivarium/src/vivariums/retention.js";
import { VivariumStore } from "../subgraphs/vivarium/src/vivariums/vivarium.store.js";
import { loginAdmin } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";
import { addMember, createVivarium, data, register, untilInDirectory, type Person } from "./support/vivariums.js";

/** Vivariums from creation to purge: slugs, changes, their events, soft delete and retention, and what it costs to read them. */
let stack: TestStack;
let founder: Person;
let partner: Person;
let admin: string;
beforeAll(async () => {
  // No outbox polling (commits still wake the relays): the statement counts must see only what a query causes.
  stack = await startTestStack({ env: { OUTBOX_POLL_MS: "60000", VIVARIUM_RETENTION_DAYS: "30" } });
  [founder, partner] = await Promise.all([register(stack, "founder"), register(stack, "partner")]);
  await untilInDirectory(stack, [founder, partner]);
  admin = (await loginAdmin(stack)).accessToken;
});
afterAll(async () => {
  await stack?.stop();
});

const createMutation = `mutation($input: CreateVivariumInput!) { createVivarium(input: $input) {
  id name slug description settings subscriptionTier isActive myRole owner { id email } members { role invitedBy { id } user { id } } } }`;
const create = (person: Person, input: Record<string, unknown>) => graphql(stack.gatewayUrl, createMutation, { input }, person.auth);

async function vivariumCount(): Promise<number> {
  const [row] = await withSql(stack, (sql) => sql`select count(*)::int as n from vivarium.vivariums`);
  return row!.n;
}

async function recordedEvents(aggregateId: string, count: number): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
  const query = `query($filter: EventFilter) { events(filter: $filter, first: 100) { edges { node { type source payload } } } }`;
  await stack.drainOutboxes();
  const deadline = Date.now() + 5_000;
  for (;;) {
    const page = await graphql(stack.gatewayUrl, query, { filter: { aggregateId, source: "vivarium" } }, bearer(admin));
    const nodes = data(page).events.edges.map((edge: { node: { type: string; payload: Record<string, unknown> } }) => edge.node);
    if (nodes.length >= count || Date.now() > deadline) return nodes.reverse();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("membership events", () => {
  it("announce joins, role changes and departures through the outbox, naming the audit row", async () => {
    const { id } = await createVivarium(stack, founder);
    data(await addMember(stack, founder, id, partner, "KEEPER"));
    const change = async (query: string) => data(await graphql(stack.gatewayUrl, query, { v: id, u: partner.id }, founder.auth));
    await change(`mutation($v: ID!, $u: ID!) { updateMemberRole(vivariumId: $v, userId: $u, role: CURATOR, reason: "runs the incubators") { role } }`);
    await change(`mutation($v: ID!, $u: ID!) { removeVivariumMember(vivariumId: $v, userId: $u) }`);
    const events = (await recordedEvents(id, 5)).filter((event) => event.type.startsWith("org.member.") && event.payload.userId === partner.id);
    expect(events.map((event) => event.payload)).toEqual([
      { changeId: expect.any(String), vivariumId: id, userId: partner.id, oldRole: null, newRole: "KEEPER", changedByUserId: founder.id, reason: null },
      { changeId: expect.any(String), vivariumId: id, userId: partner.id, oldRole: "KEEPER", newRole: "CURATOR", changedByUserId: founder.id, reason: "runs the incubators" },
      { changeId: expect.any(String), vivariumId: id, userId: partner.id, oldRole: "CURATOR", newRole: null, changedByUserId: founder.id, reason: null },
    ]);
    expect(events.map((event) => event.type)).toEqual(["org.member.added", "org.member.role.changed", "org.member.removed"]);
    // Each names its own row of the role history.
    const rows = await withSql(stack, (sql) => sql`select id from vivarium.vivarium_role_audit where vivarium_id = ${id} and subject_user_id = ${partner.id}`);
    expect(new Set(events.map((event) => event.payload.changeId))).toEqual(new Set(rows.map((row) => row.id)));
  });
});

describe("creating a vivarium", () => {
  it("makes the creator its HERPETOLOGIST and owner, with a slug made from the name, and announces it", async () => {
    const response = await create(founder, { name: "  Gecko Café & Co. ", description: " Leopard geckos ", settings: { theme: "dark" } });
    const created = data(response).createVivarium;
    expect(created).toMatchObject({
      name: "Gecko Café & Co.",
      slug: "gecko-cafe-co",
      description: "Leopard geckos",
      settings: { theme: "dark" },
      subscriptionTier: "free",
      isActive: true,
      myRole: "HERPETOLOGIST",
      owner: { id: founder.id, email: founder.email },
      members: [{ role: "HERPETOLOGIST", invitedBy: null, user: { id: founder.id } }],
    });
    const events = await recordedEvents(created.id, 2);
    expect(events.map((event) => event.type).sort()).toEqual(["org.created", "org.member.added"]);
    expect(events.find((event) => event.type === "org.created")!.payload).toEqual({ vivariumId: created.id, name: "Gecko Café & Co.", slug: "gecko-cafe-co", ownerUserId: founder.id });
    expect(events.find((event) => event.type === "org.member.added")!.payload).toMatchObject({ vivariumId: created.id, userId: founder.id, newRole: "HERPETOLOGIST" });
  });

  it("numbers a generated slug that is taken, and refuses an explicit one that is taken (CONFLICT, nothing created)", async () => {
    const first = data(await create(partner, { name: "Python Place" })).createVivarium;
    const second = data(await create(founder, { name: "Python Place" })).createVivarium;
    expect([first.slug, second.slug]).toEqual(["python-place", "python-place-2"]);
    const before = await vivariumCount();
    expect(errorCodes(await create(founder, { name: "Another", slug: "Python-Place" }))).toEqual(["CONFLICT"]);
    expect(await vivariumCount()).toBe(before);
  });

  it("refuses bad names, slugs and settings, and creates nothing", async () => {
    const before = await vivariumCount();
    for (const input of [
      { name: "   " },
      { name: "x".repeat(101) },
      { name: "Tabs\tand\nnewlines" },
      { name: "Fine", slug: "ab" },
      { name: "Fine", slug: "bad slug!" },
      { name: "Fine", slug: "-leading" },
      { name: "Fine", slug: "admin" },
      { name: "Fine", settings: [1, 2] },
      { name: "Fine", settings: { blob: "x".repeat(17_000) } },
      { name: "Fine", description: "d".repeat(1001) },
    ]) {
      expect({ input, codes: errorCodes(await create(founder, input)) }).toEqual({ input, codes: ["BAD_USER_INPUT"] });
    }
    expect(errorCodes(await graphql(stack.gatewayUrl, createMutation, { input: { name: "Anonymous" } }))).toEqual(["UNAUTHENTICATED"]);
    expect(await vivariumCount()).toBe(before);
  });

  it("makes a usable slug of names without letters or digits", async () => {
    expect(data(await create(founder, { name: "🦎🐍" })).createVivarium.slug).toMatch(/^vivarium(-\d+)?$/);
    expect(data(await create(founder, { name: "Admin" })).createVivarium.slug).toBe("admin-vivarium");
  });
});

describe("changing a vivarium", () => {
  it("renames, re-slugs, clears the description and replaces settings; announces what changed", async () => {
    const { id } = await createVivarium(stack, founder, { name: "Old Name", description: "old" });
    const response = await graphql(
      stack.gatewayUrl,
      `mutation($v: ID!, $input: UpdateVivariumInput!) { updateVivarium(id: $v, input: $input) { name slug description settings } }`,
      { v: id, input: { name: "New Name", slug: "new-name", description: "", settings: { shelves: 3 } } },
      founder.auth,
    );
    expect(data(response).updateVivarium).toEqual({ name: "New Name", slug: "new-name", description: null, settings: { shelves: 3 } });
    const updated = (await recordedEvents(id, 3)).find((event) => event.type === "org.updated");
    expect(updated!.payload).toEqual({ vivariumId: id, changed: ["name", "slug", "description", "settings"], changedByUserId: founder.id });
  });

  it("a slug taken by another vivarium is a CONFLICT and changes nothing", async () => {
    const { id } = await createVivarium(stack, founder, { name: "Keeps Its Name" });
    await createVivarium(stack, partner, { slug: "someone-elses" });
    const response = await graphql(
      stack.gatewayUrl,
      `mutation($v: ID!) { updateVivarium(id: $v, input: { name: "Changed", slug: "someone-elses" }) { name } }`,
      { v: id },
      founder.auth,
    );
    expect(errorCodes(response)).toEqual(["CONFLICT"]);
    const [row] = await withSql(stack, (sql) => sql`select name from vivarium.vivariums where id = ${id}`);
    expect(row!.name).toBe("Keeps Its Name");
  });
});

describe("listing", () => {
  it("vivariums, vivarium(slug) and User.vivariums (through federation) show the caller's vivariums", async () => {
    const person = await register(stack, "lister");
    await untilInDirectory(stack, [person]);
    const a = await createVivarium(stack, person, { name: "Aardvark Annex" });
    const b = await createVivarium(stack, founder, { name: "Boa Barn" });
    data(await addMember(stack, founder, b.id, person, "KEEPER"));
    const response = await graphql(
      stack.gatewayUrl,
      `query($s: String!) { vivariums { slug myRole } me { vivariums { slug } } vivarium(slug: $s) { id } }`,
      { s: b.slug.toUpperCase() },
      person.auth,
    );
    expect(data(response)).toEqual({
      vivariums: [
        { slug: a.slug, myRole: "HERPETOLOGIST" },
        { slug: b.slug, myRole: "KEEPER" },
      ],
      me: { vivariums: [{ slug: a.slug }, { slug: b.slug }] },
      vivarium: { id: b.id },
    });
  });
});

describe("deleting a vivarium", () => {
  it("hides it from every read and change at once, keeps its data and slug for the retention period, then purges it", async () => {
    const { id, slug } = await createVivarium(stack, founder, { name: "Short Lived" });
    data(await addMember(stack, founder, id, partner, "CURATOR"));
    expect(data(await graphql(stack.gatewayUrl, `mutation($v: ID!) { deleteVivarium(id: $v) }`, { v: id }, founder.auth))).toEqual({ deleteVivarium: true });

    for (const person of [founder, partner]) {
      const read = await graphql(stack.gatewayUrl, `query($v: ID!, $s: String!) { a: vivarium(id: $v) { id } b: vivarium(slug: $s) { id } vivariums { id } }`, { v: id, s: slug }, person.auth);
      expect(data(read).a).toBeNull();
      expect(data(read).b).toBeNull();
      expect(data(read).vivariums.map((vivarium: { id: string }) => vivarium.id)).not.toContain(id);
    }
    const change = await graphql(stack.gatewayUrl, `mutation($v: ID!) { updateVivarium(id: $v, input: { name: "Back" }) { id } }`, { v: id }, founder.auth);
    expect(errorCodes(change)).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, `mutation($v: ID!) { leaveVivarium(vivariumId: $v) }`, { v: id }, partner.auth))).toEqual(["NOT_FOUND"]);
    // The slug stays reserved while the data is kept.
    expect(errorCodes(await create(partner, { name: "Newcomer", slug }))).toEqual(["CONFLICT"]);
    const deleted = (await recordedEvents(id, 4)).find((event) => event.type === "org.deleted");
    expect(deleted!.payload).toMatchObject({ vivariumId: id, deletedByUserId: founder.id });

    const kept = await withSql(stack, (sql) => sql`select deleted_at, (select count(*)::int from vivarium.vivarium_members where vivarium_id = ${id}) as members
      from vivarium.vivariums where id = ${id}`);
    expect(kept[0]!.deleted_at).toBeInstanceOf(Date);
    expect(kept[0]!.members).toBe(2);

    const db = connectDatabase({ url: stack.databaseUrl, poolMax: 1, applicationName: "retention-test" }, tables);
    try {
      const purge = new RetentionPurge({ tenancy: new Tenancy(db), store: new VivariumStore(), retentionDays: 30, log: createLogger("test", "silent") });
      expect(await purge.purge(new Date(Date.now() + 29 * 86_400_000))).not.toContain(id);
      expect(await purge.purge(new Date(Date.now() + 31 * 86_400_000))).toContain(id);
    } finally {
      await db.$client.end();
    }
    const [gone] = await withSql(stack, (sql) => sql`select
      (select count(*)::int from vivarium.vivariums where id = ${id}) as vivariums,
      (select count(*)::int from vivarium.vivarium_members where vivarium_id = ${id}) as members,
      (select count(*)::int from vivarium.vivarium_role_audit where vivarium_id = ${id}) as audit`);
    expect(gone).toEqual({ vivariums: 0, members: 0, audit: 0 });
    expect(data(await create(partner, { name: "Newcomer", slug })).createVivarium.slug).toBe(slug);
  });
});

describe("what reading costs", () => {
  async function statements(subgraph: string): Promise<number> {
    const text = await (await fetch(new URL("/metrics", stack.subgraphs.get(subgraph)!.url))).text();
    return Number(text.split("\n").find((row) => row.startsWith("db_queries_total"))?.split(" ").at(-1));
  }

  /** Statements `vivariums { members { user { email } } }` costs vivarium and identity, for one caller. */
  async function costOf(person: Person): Promise<{ vivarium: number; identity: number; vivariums: number; members: number }> {
    const query = `{ vivariums { id members { role user { email } } } }`;
    await stack.drainOutboxes();
    await new Promise((resolve) => setTimeout(resolve, 300)); // event consumers settle
    await graphql(stack.gatewayUrl, query, {}, person.auth); // warms connections (postgres.js reads pg_type once per connection)
    const before = { vivarium: await statements("vivarium"), identity: await statements("identity") };
    const response = await graphql(stack.gatewayUrl, query, {}, person.auth);
    const after = { vivarium: await statements("vivarium"), identity: await statements("identity") };
    const vivariums = data(response).vivariums as Array<{ members: Array<{ user: { email: string } }> }>;
    expect(vivariums.flatMap((vivarium) => vivarium.members.map((member) => member.user.email)).every(Boolean)).toBe(true);
    return {
      vivarium: after.vivarium - before.vivarium,
      identity: after.identity - before.identity,
      vivariums: vivariums.length,
      members: vivariums.reduce((sum, vivarium) => sum + vivarium.members.length, 0),
    };
  }

  it("does not grow with the number of vivariums or members (DataLoader batches, one unit of work per batch)", async () => {
    const [loner, busy, ...others] = await Promise.all(["loner", "busy", "m1", "m2", "m3"].map((label) => register(stack, label)));
    await untilInDirectory(stack, [loner!, busy!, ...others]);
    await createVivarium(stack, loner!);
    for (let n = 0; n < 3; n += 1) {
      const { id } = await createVivarium(stack, busy!);
      for (const other of others) data(await addMember(stack, busy!, id, other, "KEEPER"));
    }
    const small = await costOf(loner!);
    const large = await costOf(busy!);
    expect({ vivariums: small.vivariums, members: small.members }).toEqual({ vivariums: 1, members: 1 });
    expect({ vivariums: large.vivariums, members: large.members }).toEqual({ vivariums: 3, members: 12 });
    expect(large.vivarium).toBe(small.vivarium);
    expect(large.identity).toBe(small.identity);
    expect(large.identity).toBe(1);
  });
});
