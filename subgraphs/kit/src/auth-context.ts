import type { IncomingHttpHeaders } from "node:http";
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { DomainError } from "./errors.js";
import type { SessionRevocations } from "./revocations.js";

export type PlatformRole = "USER" | "ADMIN";

/** Who is calling. Every resolver receives one; anonymous callers get the anonymous context, never null. */
export type AuthContext =
  | { kind: "anonymous" }
  | { kind: "user"; userId: string; sessionId: string; platformRole: PlatformRole; scopes: readonly string[] }
  | {
      kind: "service";
      apiKeyId: string;
      ownerId: string;
      scopes: readonly string[];
      /**
       * The one vivarium a key bound to a vivarium may act in. A restriction, never a grant: what the key may do
       * there is what its owner's membership allows at the time of use.
       */
      vivariumId?: string;
    };

export const anonymous: AuthContext = { kind: "anonymous" };

export interface TokenVerifierOptions {
  /** Where identity publishes its signing keys (`/.well-known/jwks.json`). */
  jwksUrl: string;
  issuer: string;
  audience: string;
}

/** Algorithms we sign with; anything else (notably `none` and HS*) is refused before a key is looked at. */
const allowedAlgorithms = ["EdDSA", "RS256"];

/** A verified access token: who it speaks for, and its claims (introspection reports them). */
export interface InspectedAccessToken {
  auth: Exclude<AuthContext, { kind: "anonymous" }>;
  claims: JWTPayload;
}

/**
 * Verifies RFC 9068 access tokens locally against identity's JWKS and returns their claims. jose caches the key
 * set and refetches it when a token names an unknown `kid`, so no request calls identity. The revocation list
 * holds ended sessions (`sid`) and revoked API keys (`key_id`); both are UUIDs, so they never collide.
 */
export function createAccessTokenInspector(options: TokenVerifierOptions, keySet?: JWTVerifyGetKey, revocations?: SessionRevocations) {
  const keys = keySet ?? createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  return async function inspectAccessToken(token: string): Promise<InspectedAccessToken> {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: allowedAlgorithms,
        typ: "at+jwt",
        requiredClaims: ["sub", "exp"],
      });
      const scopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
      if (typeof payload.sid === "string") {
        if (await revocations?.isRevoked(payload.sid)) throw new DomainError("UNAUTHENTICATED", "Session ended; sign in again");
        const role = payload.role === "ADMIN" ? "ADMIN" : "USER";
        return { auth: { kind: "user", userId: payload.sub!, sessionId: payload.sid, platformRole: role, scopes }, claims: payload };
      }
      if (typeof payload.key_id === "string") {
        if (await revocations?.isRevoked(payload.key_id)) throw new DomainError("UNAUTHENTICATED", "API key revoked");
        const vivariumId = typeof payload.vivarium_id === "string" ? { vivariumId: payload.vivarium_id } : {};
        return { auth: { kind: "service", apiKeyId: payload.key_id, ownerId: payload.sub!, scopes, ...vivariumId }, claims: payload };
      }
      throw new DomainError("UNAUTHENTICATED", "Access token names neither a session nor an API key");
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (error instanceof joseErrors.JOSEError) {
        const reason = error instanceof joseErrors.JWTExpired ? "Access token expired" : "Access token invalid";
        throw new DomainError("UNAUTHENTICATED", reason);
      }
      throw error;
    }
  };
}

export type AccessTokenInspector = ReturnType<typeof createAccessTokenInspector>;

/** Verifies an access token and answers who is calling (see `createAccessTokenInspector`). */
export function createTokenVerifier(options: TokenVerifierOptions, keySet?: JWTVerifyGetKey, revocations?: SessionRevocations) {
  const inspect = createAccessTokenInspector(options, keySet, revocations);
  return async function verifyAccessToken(token: string): Promise<AuthContext> {
    return (await inspect(token)).auth;
  };
}

export type AccessTokenVerifier = ReturnType<typeof createTokenVerifier>;

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new DomainError("UNAUTHENTICATED", "Authorization header must be `Bearer <token>`");
  return match[1];
}

/**
 * The caller's context from request headers: anonymous without a token, verified claims with one, and an
 * UNAUTHENTICATED error for a token that is present but bad (a bad token is never silently anonymous).
 */
export async function readAuthContext(
  headers: IncomingHttpHeaders,
  verify: AccessTokenVerifier | undefined,
): Promise<AuthContext> {
  const token = bearerToken(headers);
  if (!token) return anonymous;
  if (!verify) throw new DomainError("UNAUTHENTICATED", "This server does not accept access tokens");
  return verify(token);
}

export function requireUser(auth: AuthContext): Extract<AuthContext, { kind: "user" }> {
  if (auth.kind !== "user") throw new DomainError("UNAUTHENTICATED", "Sign in first");
  return auth;
}

/**
 * Scopes gate what API keys (`service` callers) may do: a service without `scope` is FORBIDDEN. A signed-in user
 * passes, to meet the caller's own role checks; anonymous callers are UNAUTHENTICATED.
 */
export function requireScope(auth: AuthContext, scope: string): Exclude<AuthContext, { kind: "anonymous" }> {
  if (auth.kind === "anonymous") throw new DomainError("UNAUTHENTICATED", "Sign in first");
  if (auth.kind === "service" && !auth.scopes.includes(scope)) {
    throw new DomainError("FORBIDDEN", `This API key lacks the scope ${scope}`, { requiredScope: scope });
  }
  return auth;
}

/** Platform data (flag definitions, the event log): platform ADMINs, or API keys holding `scope`. */
export function requireAdminOrScope(auth: AuthContext, scope: string, what: string): void {
  const caller = requireScope(auth, scope);
  if (caller.kind === "user" && caller.platformRole !== "ADMIN") throw new DomainError("FORBIDDEN", `Only platform admins may read ${what}`);
}
