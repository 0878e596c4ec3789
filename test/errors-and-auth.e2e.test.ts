import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, base64url } from "jose";
import { demo } from "@repti/kit";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, type TestStack } from "./support/stack.js";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(stack.gatewayUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: response.status, body: (await response.json()) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }>; data?: unknown } };
}

function expectNoInternals(body: unknown) {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/stacktrace|at \w+ \(|\.ts:\d+|select |insert |postgres/i);
}

describe("malformed requests", () => {
  it("bad JSON gets a GraphQL error with a code and no stack trace", async () => {
    const { status, body } = await post('{"query": "{ plans { id } ');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expectNoInternals(body);
  });

  it("an unknown field is refused with BAD_USER_INPUT", async () => {
    const { status, body } = await post(JSON.stringify({ query: "{ plans { id priceInBitcoin } }" }));
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0]?.message).toMatch(/priceInBitcoin/);
    expectNoInternals(body);
  });

  it("a missing required argument is refused with BAD_USER_INPUT", async () => {
    const { body } = await post(JSON.stringify({ query: "{ featureFlag { name } }" }));
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0]?.message).toMatch(/argument "name"/);
    expectNoInternals(body);
  });

  it("a variable of the wrong type is refused with BAD_USER_INPUT", async () => {
    const { body } = await post(JSON.stringify({ query: "query($s: String!) { vivarium(slug: $s) { id } }", variables: { s: 42 } }));
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("a syntax error in the query is refused with BAD_USER_INPUT", async () => {
    const { body } = await post(JSON.stringify({ query: "{ plans { id " }));
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expectNoInternals(body);
  });

  it("an oversized body is refused before parsing (413)", async () => {
    const padding = "x".repeat(1024 * 1024 + 10);
    const { status, body } = await post(JSON.stringify({ query: "{ plans { id } }", variables: { padding } }));
    expect(status).toBe(413);
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("plain HTTP endpoints answer errors as RFC 7807 problem documents", async () => {
    const response = await fetch(new URL("/no-such-endpoint", stack.gatewayUrl));
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toEqual({ type: "about:blank", title: "Not found", status: 404 });
  });
});

describe("access tokens, verified against the JWKS by the gateway and by each subgraph", () => {
  it("me is null when signed out and the user when signed in", async () => {
    expect((await graphql(stack.gatewayUrl, "{ me { id } }")).data).toEqual({ me: null });
    const token = await stack.issuer.sign({ sub: demo.keeperUserId, sid: crypto.randomUUID() });
    const response = await graphql(stack.gatewayUrl, "{ me { id email platformRole vivariums { slug } } }", {}, bearer(token));
    expect(response.data).toEqual({
      me: { id: demo.keeperUserId, email: "keeper@reptidex.dev", platformRole: "USER", vivariums: [{ slug: demo.vivariumSlug }] },
    });
  });

  it("user(id): yourself or a platform admin; to anyone else another user does not exist", async () => {
    const keeper = await stack.issuer.sign({ sub: demo.keeperUserId, sid: crypto.randomUUID() });
    const admin = await stack.issuer.sign({ sub: demo.adminUserId, sid: crypto.randomUUID(), role: "ADMIN" });
    const query = "query($id: ID!) { user(id: $id) { email } }";
    expect(errorCodes(await graphql(stack.gatewayUrl, query, { id: demo.adminUserId }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, query, { id: demo.adminUserId }, bearer(keeper)))).toEqual(["NOT_FOUND"]);
    expect((await graphql(stack.gatewayUrl, query, { id: demo.keeperUserId }, bearer(keeper))).data).toEqual({ user: { email: "keeper@reptidex.dev" } });
    expect((await graphql(stack.gatewayUrl, query, { id: demo.keeperUserId }, bearer(admin))).data).toEqual({ user: { email: "keeper@reptidex.dev" } });
    expect(errorCodes(await graphql(stack.gatewayUrl, query, { id: "not-a-uuid" }, bearer(admin)))).toEqual(["NOT_FOUND"]);
  });

  it("refuses forged and misdirected tokens with UNAUTHENTICATED (401) and runs nothing", async () => {
    const claims = { sub: demo.adminUserId, sid: crypto.randomUUID(), role: "ADMIN" as const };
    const valid = await stack.issuer.sign(claims);
    const [header, payload] = valid.split(".");
    const unsigned = `${base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt", kid: stack.issuer.kid }))}.${payload}.`;
    const tamperedPayload = base64url.encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(base64url.decode(payload!))), sub: demo.keeperUserId }));
    const hs256 = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "HS256", kid: stack.issuer.kid, typ: "at+jwt" })
      .setIssuer("http://localhost:4000")
      .setAudience("repti-core")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(JSON.stringify(await (await fetch(stack.issuer.jwksUrl)).json())));
    const forged = {
      "alg none": unsigned,
      "HS256 keyed with the public JWKS": hs256,
      "tampered payload": `${header}.${tamperedPayload}.${valid.split(".")[2]}`,
      "expired": await stack.issuer.sign(claims, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      "wrong audience": await stack.issuer.sign(claims, { audience: "another-api" }),
      "wrong issuer": await stack.issuer.sign(claims, { issuer: "https://evil.example" }),
      "not an access token (typ JWT)": await stack.issuer.sign(claims, { typ: "JWT" }),
      "garbage": "not.a.jwt",
    };
    for (const [name, token] of Object.entries(forged)) {
      const response = await graphql(stack.gatewayUrl, "mutation { updateProfile(input: { firstName: \"Mallory\" }) { id } }", {}, bearer(token));
      expect({ name, status: response.status, codes: errorCodes(response) }).toEqual({ name, status: 401, codes: ["UNAUTHENTICATED"] });
    }
    const admin = await graphql(stack.gatewayUrl, `{ user(id: "${demo.adminUserId}") { firstName } }`, {}, bearer(valid));
    expect(admin.data).toEqual({ user: { firstName: "Ada" } });
  });

  it("a token signed by a key the JWKS does not hold is refused", async () => {
    const { startTestIssuer } = await import("./support/issuer.js");
    const stranger = await startTestIssuer();
    const token = await stranger.sign({ sub: demo.adminUserId, sid: crypto.randomUUID(), role: "ADMIN" });
    await stranger.close();
    const response = await graphql(stack.gatewayUrl, "{ me { id } }", {}, bearer(token));
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
  });

  it("a malformed Authorization header is refused rather than treated as anonymous", async () => {
    const response = await graphql(stack.gatewayUrl, "{ me { id } }", {}, { authorization: "Basic YWRtaW46YWRtaW4=" });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
  });
});
