import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";

export const testIssuer = "http://localhost:4000";
export const testAudience = "repti-core";

export interface TokenClaims {
  sub: string;
  sid?: string;
  role?: "USER" | "ADMIN";
  scope?: string;
}

/**
 * Stands in for identity's signing keys until identity issues tokens itself: an Ed25519 key served as a JWKS
 * over HTTP, so the gateway and subgraphs verify exactly as they will in production.
 */
export async function startTestIssuer() {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  const server: Server = createServer((req, res) => {
    if (req.url === "/.well-known/jwks.json") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    kid,
    privateKey,
    /** A valid access token; `overrides` lets a test break one property (audience, expiry, header...). */
    async sign(claims: TokenClaims, overrides: { audience?: string; issuer?: string; expiresIn?: string | number; typ?: string; extra?: JWTPayload } = {}) {
      const { role, ...rest } = claims;
      return new SignJWT({ ...rest, ...(role ? { role } : {}), ...overrides.extra })
        .setProtectedHeader({ alg: "EdDSA", kid, typ: overrides.typ ?? "at+jwt" })
        .setIssuer(overrides.issuer ?? testIssuer)
        .setAudience(overrides.audience ?? testAudience)
        .setIssuedAt()
        .setExpirationTime(overrides.expiresIn ?? "15m")
        .sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type TestIssuer = Awaited<ReturnType<typeof startTestIssuer>>;
