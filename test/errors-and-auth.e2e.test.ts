import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, base64url } from "jose";
import { demo } from "@repti/kit";
import { loginAdmin, loginKeeper, signWithIdentityKey } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestIssuer } from "./support/issuer.js";
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

describe("access tokens, verified against identity's JWKS by the gateway and by each subgraph", () => {
  it("me is null when signed out and the user when signed in", async () => {
    expect((await graphql(stack.gatewayUrl, "{ me { id } }")).data).toEqual({ me: null });
    const { accessToken } = await loginKeeper(stack);
    const response = await graphql(stack.gatewayUrl, "{ me { id email platformRole vivariums { slug } } }", {}, bearer(accessToken));
    expect(response.data).toEqual({
      me: { id: demo.keeperUserId, email: "keeper@reptidex.dev", platformRole: "USER", vivariums: [{ slug: demo.vivariumSlug }] },
    });
  });

  it("user(id): yourself or a platform admin; to anyone else another user does not exist", async () => {
    const keeper = (await loginKeeper(stack)).accessToken;
    const admin = (await loginAdmin(stack)).accessToken;
    const query = "query($id: ID!) { user(id: $id) { email } }";
    expect(errorCodes(await graphql(stack.gatewayUrl, query, { id: demo.adminUserId }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await graphql(stack.gatewayUrl, query, { id: demo.adminUserId }, bearer(keeper)))).toEqual(["NOT_FOUND"]);
    expect((await graphql(stack.gatewayUrl, query, { id: demo.keeperUserId }, bearer(keeper))).data).toEqual({ user: { email: "keeper@reptidex.dev" } });
    expect((await graphql(stack.gatewayUrl, query, { id: demo.keeperUserId }, bearer(admin))).data).toEqual({ user: { email: "keeper@reptidex.dev" } });
    expect(errorCodes(await graphql(stack.gatewayUrl, query, { id: "not-a-uuid" }, bearer(admin)))).toEqual(["NOT_FOUND"]);
  });

  it("refuses forged and misdirected tokens with UNAUTHENTICATED (401) and runs nothing", async () => {
    const { accessToken: valid } = await loginAdmin(stack);
    const [header, payload, signature] = valid.split(".");
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
    const { kid } = JSON.parse(new TextDecoder().decode(base64url.decode(header!))) as { kid: string };
    const jwks = await (await fetch(new URL("/.well-known/jwks.json", stack.gatewayUrl))).json();
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid, typ: "at+jwt" })
      .sign(new TextEncoder().encode(JSON.stringify(jwks)));
    const { sub, sid, role } = claims as { sub: string; sid: string; role: string };
    const stranger = await startTestIssuer();
    const forged = {
      "alg none": `${base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt", kid }))}.${payload}.`,
      "HS256 keyed with the public JWKS": hs256,
      "tampered payload": `${header}.${base64url.encode(JSON.stringify({ ...claims, role: "ADMIN", sub: demo.keeperUserId }))}.${signature}`,
      "expired (real key)": await signWithIdentityKey(stack, { sub, sid, role }, { expiresAt: Math.floor(Date.now() / 1000) - 60 }),
      "wrong audience (real key)": await signWithIdentityKey(stack, { sub, sid, role }, { audience: "another-api" }),
      "wrong issuer (real key)": await signWithIdentityKey(stack, { sub, sid, role }, { issuer: "https://evil.example" }),
      "not an access token, typ JWT (real key)": await signWithIdentityKey(stack, { sub, sid, role }, { typ: "JWT" }),
      "unknown kid (a stranger's key)": await stranger.sign({ sub: String(sub), sid: String(sid), role: "ADMIN" }),
      "garbage": "not.a.jwt",
    };
    await stranger.close();
    for (const [name, token] of Object.entries(forged)) {
      const response = await graphql(stack.gatewayUrl, 'mutation { updateProfile(input: { firstName: "Mallory" }) { id } }', {}, bearer(token));
      expect({ name, status: response.status, codes: errorCodes(response) }).toEqual({ name, status: 401, codes: ["UNAUTHENTICATED"] });
    }
    const admin = await graphql(stack.gatewayUrl, `{ user(id: "${demo.adminUserId}") { firstName } }`, {}, bearer(valid));
    expect(admin.data).toEqual({ user: { firstName: "Ada" } });
  });

  it("a malformed Authorization header is refused rather than treated as anonymous", async () => {
    const response = await graphql(stack.gatewayUrl, "{ me { id } }", {}, { authorization: "Basic YWRtaW46YWRtaW4=" });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
  });
});
