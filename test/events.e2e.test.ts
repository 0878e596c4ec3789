import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demo } from "@repti/kit";
import { loginAdmin, loginKeeper } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";

const eventsQuery = `query($filter: EventFilter, $first: Int, $after: String) {
  events(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id type source aggregateId payload occurredAt } }
    pageInfo { hasNextPage endCursor } } }`;

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const bus of ["redis", "in-process"] as const) {
  describe(`events through the outbox, the relay and the ${bus} bus`, () => {
    let stack: TestStack;
    let admin: string;
    let keeper: string;
    beforeAll(async () => {
      stack = await startTestStack({ bus });
      admin = (await loginAdmin(stack)).accessToken;
      keeper = (await loginKeeper(stack)).accessToken;
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it("a profile change commits with its auth.user.updated event, which telemetry records once", async () => {
      const update = await graphql(
        stack.gatewayUrl,
        `mutation { updateProfile(input: { firstName: "  Kira ", lastName: "" }) { firstName lastName } }`,
        {},
        bearer(keeper),
      );
      expect(update.data).toEqual({ updateProfile: { firstName: "Kira", lastName: null } });

      const recorded = await waitFor(async () => {
        const page = await graphql(stack.gatewayUrl, eventsQuery, { filter: { types: ["auth.user.updated"] } }, bearer(admin));
        return page.data?.events.edges.length ? page.data.events.edges : undefined;
      });
      expect(recorded).toHaveLength(1);
      expect(recorded[0].node).toMatchObject({
        type: "auth.user.updated",
        source: "identity",
        aggregateId: demo.keeperUserId,
        payload: { userId: demo.keeperUserId, changed: ["firstName", "lastName"] },
      });

      // The outbox row is marked published; a redelivery of the same event id is absorbed by telemetry.
      await withSql(stack, async (sql) => {
        const [row] = await sql`select published_at from identity.outbox where id = ${recorded[0].node.id}`;
        expect(row?.published_at).toBeInstanceOf(Date);
        await sql`update identity.outbox set published_at = null where id = ${recorded[0].node.id}`;
        await stack.drainOutboxes();
        await new Promise((resolve) => setTimeout(resolve, 300));
        const [row2] = await sql`select count(*)::int as count from telemetry.events where id = ${recorded[0].node.id}`;
        expect(row2?.count).toBe(1);
      });
    });

    it("bad input changes nothing and announces nothing", async () => {
      const before = await graphql(stack.gatewayUrl, eventsQuery, { filter: { types: ["auth.user.updated"] } }, bearer(admin));
      const tooLong = await graphql(
        stack.gatewayUrl,
        `mutation($name: String) { updateProfile(input: { firstName: $name }) { firstName } }`,
        { name: "k".repeat(101) },
        bearer(keeper),
      );
      expect(errorCodes(tooLong)).toEqual(["BAD_USER_INPUT"]);
      const wrongType = await graphql(stack.gatewayUrl, `mutation { updateProfile(input: { firstName: 7 }) { firstName } }`, {}, bearer(keeper));
      expect(errorCodes(wrongType)).toEqual(["BAD_USER_INPUT"]);
      const signedOut = await graphql(stack.gatewayUrl, `mutation { updateProfile(input: { firstName: "X" }) { firstName } }`);
      expect(errorCodes(signedOut)).toEqual(["UNAUTHENTICATED"]);

      await stack.drainOutboxes();
      const me = await graphql(stack.gatewayUrl, "{ me { firstName } }", {}, bearer(keeper));
      expect(me.data).toEqual({ me: { firstName: "Kira" } });
      const after = await graphql(stack.gatewayUrl, eventsQuery, { filter: { types: ["auth.user.updated"] } }, bearer(admin));
      expect(after.data!.events.edges).toHaveLength(before.data!.events.edges.length);
    });

    it("the event log is for platform admins, paginated by cursor", async () => {
      expect(errorCodes(await graphql(stack.gatewayUrl, eventsQuery))).toEqual(["UNAUTHENTICATED"]);
      expect(errorCodes(await graphql(stack.gatewayUrl, eventsQuery, {}, bearer(keeper)))).toEqual(["FORBIDDEN"]);
      expect(errorCodes(await graphql(stack.gatewayUrl, eventsQuery, { first: 1000 }, bearer(admin)))).toEqual(["BAD_USER_INPUT"]);
      expect(errorCodes(await graphql(stack.gatewayUrl, eventsQuery, { after: "bm9wZQ" }, bearer(admin)))).toEqual(["BAD_USER_INPUT"]);

      for (const firstName of ["A", "B", "C"]) {
        await graphql(stack.gatewayUrl, `mutation($n: String) { updateProfile(input: { firstName: $n }) { id } }`, { n: firstName }, bearer(admin));
      }
      // One profile change of the keeper's earlier, three of the admin's now; sign-ins add other events meanwhile.
      const filter = { types: ["auth.user.updated"] };
      const all = await waitFor(async () => {
        const page = await graphql(stack.gatewayUrl, eventsQuery, { filter, first: 100 }, bearer(admin));
        return page.data!.events.edges.length === 4 ? page.data!.events.edges : undefined;
      });
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: any = await graphql(stack.gatewayUrl, eventsQuery, { filter, first: 2, after }, bearer(admin));
        seen.push(...page.data.events.edges.map((edge: { node: { id: string } }) => edge.node.id));
        if (!page.data.events.pageInfo.hasNextPage) break;
        after = page.data.events.pageInfo.endCursor;
      }
      expect(seen).toEqual(all.map((edge: { node: { id: string } }) => edge.node.id));
      const times = all.map((edge: { node: { occurredAt: string } }) => Date.parse(edge.node.occurredAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });
  });
}
