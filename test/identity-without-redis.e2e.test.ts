import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginAdmin } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, type TestStack } from "./support/stack.js";

/** One process, in-process bus, no Redis: as `pnpm dev` runs. */
let stack: TestStack;
let admin: string;
let adminId: string;
beforeAll(async () => {
  stack = await startTestStack({ bus: "in-process" });
  const signedIn = await loginAdmin(stack);
  admin = signedIn.accessToken;
  adminId = signedIn.user.id;
});
afterAll(async () => {
  await stack?.stop();
});

const subgraphUrl = (name: string) => new URL("/graphql", stack.subgraphs.get(name)!.url).toString();

describe("API key revocation without Redis", () => {
  it("reaches the revocation list of every other service in the process through the outbox event", async () => {
    const created = await graphql(
      stack.gatewayUrl,
      "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } secret } }",
      { i: { name: "events reader", scopes: ["events.read"] } },
      bearer(admin),
    );
    const { apiKey, secret } = created.data!.createApiKey as { apiKey: { id: string }; secret: string };
    const exchanged = await fetch(new URL("/oauth/token", stack.gatewayUrl), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${secret.split("_").slice(0, 2).join("_")}:${secret}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "client_credentials" }),
    });
    expect(exchanged.status).toBe(200);
    const { access_token: accessToken } = (await exchanged.json()) as { access_token: string };
    // telemetry verifies the token itself; only identity saw the revocation happen.
    const readEvents = () => graphql(subgraphUrl("telemetry"), "{ events(first: 1) { edges { node { type } } } }", {}, bearer(accessToken));
    expect((await readEvents()).errors).toBeUndefined();

    const revoked = await graphql(stack.gatewayUrl, "mutation($id: ID!) { revokeApiKey(id: $id) }", { id: apiKey.id }, bearer(admin));
    expect(revoked.data).toEqual({ revokeApiKey: true });
    await stack.drainOutboxes();
    expect(errorCodes(await readEvents())).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("users through federation", () => {
  const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }`;

  it("are not resolved for signed-out callers, whatever the referring subgraph lets through", async () => {
    const anonymous = await graphql(subgraphUrl("identity"), entities, { r: [{ __typename: "User", id: adminId }] });
    expect(errorCodes(anonymous)).toEqual(["UNAUTHENTICATED"]);
    expect(JSON.stringify(anonymous)).not.toContain("admin@reptidex.dev");
    const signedIn = await graphql(subgraphUrl("identity"), entities, { r: [{ __typename: "User", id: adminId }] }, bearer(admin));
    expect(signedIn.data).toEqual({ _entities: [{ id: adminId, email: "admin@reptidex.dev" }] });
  });
});
