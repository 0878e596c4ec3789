import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as client from "openid-client";
import { loginAdmin, loginKeeper, signWithIdentityKey } from "./support/auth.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, type TestStack } from "./support/stack.js";

/**
 * OAuth for services, with a real OAuth client library (openid-client) against the gateway as issuer, the way
 * another ReptiDex service would use it.
 */
let stack: TestStack;
let issuer: string;
let admin: string;
beforeAll(async () => {
  stack = await startTestStack({ issuerAtGateway: true });
  issuer = stack.env.AUTH_ISSUER!;
  admin = (await loginAdmin(stack)).accessToken;
});
afterAll(async () => {
  await stack?.stop();
});

const allScopes = ["flag.read", "flag.write", "config.read", "config.write", "metrics.write", "events.write", "events.read", "auth.introspect"];

interface Key {
  id: string;
  prefix: string;
  secret: string;
}

async function createKey(token: string, name: string, scopes: string[]): Promise<Key> {
  const response = await graphql(
    stack.gatewayUrl,
    "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id prefix } secret } }",
    { input: { name, scopes } },
    bearer(token),
  );
  if (!response.data?.createApiKey) throw new Error(`createApiKey failed: ${JSON.stringify(response.errors)}`);
  const { apiKey, secret } = response.data.createApiKey;
  return { id: apiKey.id, prefix: apiKey.prefix, secret };
}

/** Discovery at the issuer (the gateway), with client_secret_basic; http:// is allowed for the test stack. */
function discover(clientId: string, clientSecret: string, auth = client.ClientSecretBasic(clientSecret)): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), clientId, clientSecret, auth, { execute: [client.allowInsecureRequests] });
}

/** The rejection of a promise (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<{ status?: number; error?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { status?: number; error?: string };
  }
  throw new Error("expected a rejection");
}

async function postForm(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(new URL(path, issuer), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` });

describe("discovery", () => {
  it("the gateway serves identity's metadata, with the issuer it is reached at and the scope list", async () => {
    const key = await createKey(admin, "discovery", ["flag.read"]);
    const config = await discover(key.prefix, key.secret);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(issuer);
    expect(new URL(issuer).origin).toBe(new URL(stack.gatewayUrl).origin);
    expect(metadata.token_endpoint).toBe(`${issuer}/oauth/token`);
    expect(metadata.introspection_endpoint).toBe(`${issuer}/oauth/introspect`);
    expect(metadata.grant_types_supported).toEqual(["client_credentials"]);
    expect(metadata.scopes_supported).toEqual(allScopes);
  });
});

describe("client credentials grant (RFC 6749 §4.4)", () => {
  it("issues a short access token that the gateway accepts for a scoped query", async () => {
    const key = await createKey(admin, "flag service", ["flag.read", "events.read"]);
    const config = await discover(key.prefix, key.secret);
    const tokens = await client.clientCredentialsGrant(config);
    expect(tokens).toMatchObject({ token_type: "bearer", expires_in: 300, scope: "flag.read events.read" });
    const flags = await graphql(stack.gatewayUrl, "{ featureFlags { name } }", {}, bearer(tokens.access_token));
    expect(flags.errors).toBeUndefined();
    expect(flags.data!.featureFlags.length).toBeGreaterThan(0);

    // Narrowed to one scope, the token does only that.
    const narrow = await client.clientCredentialsGrant(config, { scope: "flag.read" });
    expect(narrow.scope).toBe("flag.read");
    expect((await graphql(stack.gatewayUrl, "{ featureFlags { name } }", {}, bearer(narrow.access_token))).errors).toBeUndefined();
    expect(errorCodes(await graphql(stack.gatewayUrl, "{ events(first: 1) { edges { cursor } } }", {}, bearer(narrow.access_token)))).toEqual([
      "FORBIDDEN",
    ]);
  });

  it("accepts client_secret_post with the key id as client_id", async () => {
    const key = await createKey(admin, "post auth", ["config.read"]);
    const config = await discover(key.id, key.secret, client.ClientSecretPost(key.secret));
    expect((await client.clientCredentialsGrant(config)).scope).toBe("config.read");
  });

  it("refuses a scope the key does not hold with invalid_scope", async () => {
    const key = await createKey(admin, "narrow", ["flag.read"]);
    const config = await discover(key.prefix, key.secret);
    const error = await rejection(client.clientCredentialsGrant(config, { scope: "flag.read config.write" }));
    expect(error).toBeInstanceOf(client.ResponseBodyError);
    expect(error).toMatchObject({ status: 400, error: "invalid_scope" });
  });

  it("a wrong client secret is invalid_client (401 with a challenge)", async () => {
    const key = await createKey(admin, "secret", ["flag.read"]);
    const wrong = `${key.prefix}_${"A".repeat(43)}`;
    const config = await discover(key.prefix, wrong);
    const error = await rejection(client.clientCredentialsGrant(config));
    expect(error).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    expect(error.status).toBe(401);

    const raw = await postForm("/oauth/token", { grant_type: "client_credentials" }, basic(key.prefix, wrong));
    expect(raw.status).toBe(401);
    expect(raw.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect(raw.body).toEqual({ error: "invalid_client", error_description: expect.any(String) });
    // A real key under another key's client_id is no better.
    const other = await createKey(admin, "other", ["flag.read"]);
    expect((await postForm("/oauth/token", { grant_type: "client_credentials" }, basic(other.prefix, key.secret))).body.error).toBe("invalid_client");
    expect((await postForm("/oauth/token", { grant_type: "client_credentials" })).status).toBe(401);
  });

  it("answers other grants and malformed requests as RFC 6749 errors", async () => {
    const key = await createKey(admin, "grants", ["flag.read"]);
    const password = await postForm("/oauth/token", { grant_type: "password", username: "a", password: "b" }, basic(key.prefix, key.secret));
    expect(password).toMatchObject({ status: 400, body: { error: "unsupported_grant_type" } });
    expect((await postForm("/oauth/token", {}, basic(key.prefix, key.secret))).body.error).toBe("invalid_request");
    const both = await postForm("/oauth/token", { grant_type: "client_credentials", client_id: key.prefix, client_secret: key.secret }, basic(key.prefix, key.secret));
    expect(both).toMatchObject({ status: 400, body: { error: "invalid_request" } });
    const ok = await postForm("/oauth/token", { grant_type: "client_credentials" }, basic(key.prefix, key.secret));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
  });

  it("is rate limited per client (60 a minute), without touching other clients", async () => {
    const busy = await createKey(admin, "busy", ["flag.read"]);
    const quiet = await createKey(admin, "quiet", ["flag.read"]);
    const statuses = await Promise.all(
      Array.from({ length: 61 }, () => postForm("/oauth/token", { grant_type: "client_credentials" }, basic(busy.prefix, busy.secret)).then((r) => r.status)),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(60);
    const limited = await postForm("/oauth/token", { grant_type: "client_credentials" }, basic(busy.prefix, busy.secret));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await postForm("/oauth/token", { grant_type: "client_credentials" }, basic(quiet.prefix, quiet.secret))).status).toBe(200);
  });
});

describe("token introspection (RFC 7662)", () => {
  let introspector: client.Configuration;
  let introspectorKey: Key;
  beforeAll(async () => {
    introspectorKey = await createKey(admin, "introspector", ["auth.introspect"]);
    introspector = await discover(introspectorKey.prefix, introspectorKey.secret);
  });

  it("a live client-credentials token and a live API key are active", async () => {
    const key = await createKey(admin, "subject", ["flag.read", "config.read"]);
    const tokens = await client.clientCredentialsGrant(await discover(key.prefix, key.secret), { scope: "flag.read" });
    const now = Math.floor(Date.now() / 1000);
    const forToken = await client.tokenIntrospection(introspector, tokens.access_token);
    expect(forToken).toMatchObject({
      active: true,
      token_type: "access_token",
      client_id: key.id,
      key_id: key.id,
      scope: "flag.read",
      iss: issuer,
      aud: "repti-core",
      sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(forToken.exp! - now).toBeGreaterThan(290);
    expect(forToken.exp! - now).toBeLessThanOrEqual(301);
    expect(Math.abs(forToken.iat! - now)).toBeLessThanOrEqual(2);

    const forKey = await client.tokenIntrospection(introspector, key.secret);
    expect(forKey).toMatchObject({ active: true, token_type: "api_key", client_id: key.id, scope: "flag.read config.read", sub: forToken.sub });
  });

  it("a session's token is active until the session ends", async () => {
    const session = await loginKeeper(stack);
    const live = await client.tokenIntrospection(introspector, session.accessToken);
    expect(live).toMatchObject({ active: true, token_type: "access_token", sub: session.user.id, client_id: "reptidex", sid: expect.any(String) });
    expect((await graphql(stack.gatewayUrl, "mutation { logout }", {}, bearer(session.accessToken))).data).toEqual({ logout: true });
    expect(await client.tokenIntrospection(introspector, session.accessToken)).toEqual({ active: false });
  });

  it("garbage, expired tokens, revoked keys and their tokens are inactive", async () => {
    expect(await client.tokenIntrospection(introspector, "not-a-token")).toEqual({ active: false });
    expect(await client.tokenIntrospection(introspector, `rpk_abcdefghij_${"x".repeat(43)}`)).toEqual({ active: false });
    const key = await createKey(admin, "to revoke", ["flag.read"]);
    const expired = await signWithIdentityKey(
      stack,
      { sub: "00000000-0000-4000-8000-000000000001", key_id: key.id, scope: "flag.read" },
      { issuer, expiresAt: Math.floor(Date.now() / 1000) - 60 },
    );
    expect(await client.tokenIntrospection(introspector, expired)).toEqual({ active: false });
    // Signed right but for another issuer: not ours.
    const foreign = await signWithIdentityKey(stack, { sub: "00000000-0000-4000-8000-000000000001", key_id: key.id }, { issuer: "https://evil.example" });
    expect(await client.tokenIntrospection(introspector, foreign)).toEqual({ active: false });

    const tokens = await client.clientCredentialsGrant(await discover(key.prefix, key.secret));
    expect((await client.tokenIntrospection(introspector, tokens.access_token)).active).toBe(true);
    const revoked = await graphql(stack.gatewayUrl, "mutation($id: ID!) { revokeApiKey(id: $id) }", { id: key.id }, bearer(admin));
    expect(revoked.data).toEqual({ revokeApiKey: true });
    expect(await client.tokenIntrospection(introspector, tokens.access_token)).toEqual({ active: false });
    expect(await client.tokenIntrospection(introspector, key.secret)).toEqual({ active: false });
    // And the token the revoked key got is refused by the gateway before it expires.
    expect((await graphql(stack.gatewayUrl, "{ featureFlags { name } }", {}, bearer(tokens.access_token))).status).toBe(401);
  });

  it("callers authenticate with an API key holding auth.introspect: Basic, form body or Bearer", async () => {
    const session = await loginKeeper(stack);
    const { prefix, id, secret } = introspectorKey;
    expect((await postForm("/oauth/introspect", { token: session.accessToken }, basic(prefix, secret))).body.active).toBe(true);
    expect((await postForm("/oauth/introspect", { token: session.accessToken, client_id: id, client_secret: secret })).body.active).toBe(true);
    expect((await postForm("/oauth/introspect", { token: session.accessToken }, bearer(secret))).body.active).toBe(true);
    // Or with an access token the key was exchanged for.
    const exchanged = await client.clientCredentialsGrant(introspector);
    const viaToken = await postForm("/oauth/introspect", { token: session.accessToken }, bearer(exchanged.access_token));
    expect(viaToken).toMatchObject({ status: 200, body: { active: true } });
    expect(viaToken.headers.get("cache-control")).toBe("no-store");
    expect((await postForm("/oauth/introspect", {}, basic(prefix, secret))).body.error).toBe("invalid_request");
  });

  it("a key without auth.introspect gets 403, bad or missing credentials 401", async () => {
    const plain = await createKey(admin, "no introspection", ["flag.read"]);
    const token = (await loginKeeper(stack)).accessToken;
    const error = await rejection(client.tokenIntrospection(await discover(plain.prefix, plain.secret), token));
    expect(error).toBeInstanceOf(client.ResponseBodyError);
    expect(error).toMatchObject({ status: 403, error: "insufficient_scope" });

    const viaBearer = await postForm("/oauth/introspect", { token }, bearer(plain.secret));
    expect(viaBearer.status).toBe(403);
    expect(viaBearer.headers.get("www-authenticate")).toMatch(/error="insufficient_scope"/);
    // A user's session token is not a client.
    expect((await postForm("/oauth/introspect", { token }, bearer(admin))).status).toBe(403);

    const wrong = await postForm("/oauth/introspect", { token }, basic(plain.prefix, `${plain.prefix}_${"B".repeat(43)}`));
    expect(wrong).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    expect((await postForm("/oauth/introspect", { token }, bearer("garbage"))).status).toBe(401);
    const anonymous = await postForm("/oauth/introspect", { token });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic/);
  });
});
