import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demo } from "@repti/kit";
import { loginAdmin } from "./support/auth.js";
import { bearer, graphql } from "./support/client.js";
import { startTestStack, type TestStack } from "./support/stack.js";

let stack: TestStack;
/** The demo vivarium is visible to its members only: its HERPETOLOGIST reads it here. */
let asAdmin: Record<string, string>;
beforeAll(async () => {
  // No outbox polling: the statement counts below must see only the statements a query causes.
  stack = await startTestStack({ env: { OUTBOX_POLL_MS: "60000" } });
  asAdmin = bearer((await loginAdmin(stack)).accessToken);
});
afterAll(async () => {
  await stack?.stop();
});

async function identityQueryCount(): Promise<number> {
  const identity = stack.subgraphs.get("identity")!;
  const text = await (await fetch(new URL("/metrics", identity.url))).text();
  const line = text.split("\n").find((row) => row.startsWith("db_queries_total"));
  return Number(line?.split(" ").at(-1));
}

describe("the composed supergraph", () => {
  it("answers a vivarium with its owner's email from identity, from the seeded demo data", async () => {
    const response = await graphql(
      stack.gatewayUrl,
      `query Demo($slug: String!) {
        vivarium(slug: $slug) { id name slug subscriptionTier isActive createdAt owner { id email platformRole } }
      }`,
      { slug: demo.vivariumSlug },
      asAdmin,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.vivarium).toMatchObject({
      id: demo.vivariumId,
      name: "Basking Spot",
      slug: demo.vivariumSlug,
      subscriptionTier: "free",
      isActive: true,
      owner: { id: demo.adminUserId, email: "admin@reptidex.dev", platformRole: "ADMIN" },
    });
    expect(new Date(response.data!.vivarium.createdAt).toString()).not.toBe("Invalid Date");
  });

  it("resolves members' users from identity, and User.vivariums back from vivarium", async () => {
    const response = await graphql(
      stack.gatewayUrl,
      `{ vivarium(id: "${demo.vivariumId}") {
          members { role joinedAt user { email vivariums { slug } } invitedBy { email } }
          owner { email } } }`,
      {},
      asAdmin,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.vivarium.members).toEqual([
      expect.objectContaining({ role: "HERPETOLOGIST", user: { email: "admin@reptidex.dev", vivariums: [{ slug: demo.vivariumSlug }] }, invitedBy: null }),
      expect.objectContaining({ role: "KEEPER", user: { email: "keeper@reptidex.dev", vivariums: [{ slug: demo.vivariumSlug }] }, invitedBy: { email: "admin@reptidex.dev" } }),
    ]);
    expect(response.data!.vivarium.owner).toEqual({ email: "admin@reptidex.dev" });
  });

  it("batches every member's user into one identity statement (DataLoader behind __resolveReference)", async () => {
    const query = `{ vivarium(id: "${demo.vivariumId}") { members { user { email } } } }`;
    await graphql(stack.gatewayUrl, query, {}, asAdmin); // warms the connection (postgres.js reads pg_type once per connection)
    const before = await identityQueryCount();
    const response = await graphql(stack.gatewayUrl, query, {}, asAdmin);
    expect(response.data!.vivarium.members).toHaveLength(2);
    expect((await identityQueryCount()) - before).toBe(1);
  });

  it("serves each subgraph's own fields: plans, app config, the permission matrix", async () => {
    const response = await graphql(
      stack.gatewayUrl,
      `{ plans { code name priceCents currency interval entitlements }
         appConfig(environment: "production") { key value environment version }
         vivariumRoles { role rank permissions { resource action } } }`,
    );
    expect(response.errors).toBeUndefined();
    const { plans, appConfig, vivariumRoles } = response.data!;
    expect(plans.map((plan: { code: string }) => plan.code)).toEqual(["free", "keeper", "breeder"]);
    expect(appConfig).toContainEqual({ key: "app.maintenanceMode", value: false, environment: "production", version: 1 });
    expect(vivariumRoles.map((role: { role: string }) => role.role)).toEqual(["KEEPER", "HANDLER", "CURATOR", "HERPETOLOGIST"]);
    const can = (role: number, resource: string, action: string) =>
      vivariumRoles[role].permissions.some((p: { resource: string; action: string }) => p.resource === resource && p.action === action);
    expect(can(0, "animals", "read")).toBe(true);
    expect(can(0, "animals", "create")).toBe(false);
    expect(can(1, "clutches", "update")).toBe(true);
    expect(can(2, "billing", "update")).toBe(false);
    expect(can(2, "vivarium", "delete")).toBe(false);
    expect(can(3, "vivarium", "delete")).toBe(true);
  });

  it("answers null for unknown vivariums and non-UUID ids instead of an internal error", async () => {
    const response = await graphql(stack.gatewayUrl, `{ a: vivarium(slug: "no-such") { id } b: vivarium(id: "not-a-uuid") { id } }`, {}, asAdmin);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ a: null, b: null });
  });
});
