import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTokenVerifier } from "./auth-context.js";
import { DomainError } from "./errors.js";

const issuer = "https://issuer.test";
const audience = "repti-core";

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  const sign = () =>
    new SignJWT({ sid: "00000000-0000-4000-8000-00000000000a", role: "USER" })
      .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
      .setSubject("00000000-0000-4000-8000-00000000000b")
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("15m")
      .sign(privateKey);
  return { jwk, sign };
}

let server: Server | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A JWKS endpoint serving whatever `published` holds at the time, counting its fetches. */
async function jwksEndpoint(published: JWK[]) {
  const served = { fetches: 0 };
  server = createServer((_req, res) => {
    served.fetches += 1;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, served };
}

const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (error instanceof DomainError ? error.code : error));

describe("token verification against a remote JWKS", () => {
  it("caches the key set, refetches it for an unknown kid, and never more than once per cooldown", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const current = await signingKey("key-a");
    const successor = await signingKey("key-b");
    const published = [current.jwk];
    const { url, served } = await jwksEndpoint(published);
    const verify = createTokenVerifier({ jwksUrl: url, issuer, audience });

    expect(await verify(await current.sign())).toMatchObject({ kind: "user", platformRole: "USER" });
    expect(await verify(await current.sign())).toMatchObject({ kind: "user" });
    expect(served.fetches).toBe(1);

    // A key published moments ago is not seen yet (identity publishes successors a token lifetime ahead for
    // this), and forged kids cannot make every request fetch the key set.
    published.push(successor.jwk);
    expect(await refusal(verify(await successor.sign()))).toBe("UNAUTHENTICATED");
    expect(served.fetches).toBe(1);

    // After the cooldown, an unknown kid fetches the key set again, once.
    vi.setSystemTime(Date.now() + 31_000);
    expect(await verify(await successor.sign())).toMatchObject({ kind: "user" });
    expect(await verify(await current.sign())).toMatchObject({ kind: "user" });
    expect(served.fetches).toBe(2);
  });
});
