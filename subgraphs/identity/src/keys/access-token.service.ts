import { randomUUID } from "node:crypto";
import { createLocalJWKSet, SignJWT, type JWTVerifyGetKey } from "jose";
import {
  createAccessTokenInspector,
  createTokenVerifier,
  type AccessTokenInspector,
  type AccessTokenVerifier,
  type PlatformRole,
  type SessionRevocations,
} from "@repti/kit";
import { signingAlgorithm, type SigningKeyService } from "./signing-key.service.js";

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
}

/** RFC 9068 access tokens: short-lived JWTs, `typ: at+jwt`, signed with the active key and naming it by `kid`. */
export class AccessTokenService {
  constructor(
    private readonly keys: SigningKeyService,
    private readonly settings: AccessTokenSettings,
  ) {}

  private async sign(subject: string, claims: Record<string, unknown>, ttlSeconds: number): Promise<IssuedAccessToken> {
    const { kid, privateKey } = await this.keys.active();
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: signingAlgorithm, kid, typ: "at+jwt" })
      .setSubject(subject)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(privateKey);
    return { accessToken, expiresIn: ttlSeconds };
  }

  forSession(user: { id: string; platformRole: PlatformRole }, sessionId: string): Promise<IssuedAccessToken> {
    return this.sign(user.id, { sid: sessionId, role: user.platformRole, client_id: "reptidex" }, this.settings.ttlSeconds);
  }

  /** Client-credentials token of an API key: its scopes (and vivarium, if it has one), never a platform role. */
  forApiKey(key: { id: string; userId: string; scopes: readonly string[]; vivariumId?: string | null }, ttlSeconds: number): Promise<IssuedAccessToken> {
    const claims = { key_id: key.id, scope: key.scopes.join(" "), client_id: key.id, ...(key.vivariumId ? { vivarium_id: key.vivariumId } : {}) };
    return this.sign(key.userId, claims, ttlSeconds);
  }

  /** identity verifies against its own key table, not over HTTP to itself. */
  verifier(revocations: SessionRevocations): AccessTokenVerifier {
    return createTokenVerifier(this.verifyOptions(), this.localKeySet(), revocations);
  }

  /** Verification that also answers the claims (token introspection). */
  inspector(revocations: SessionRevocations): AccessTokenInspector {
    return createAccessTokenInspector(this.verifyOptions(), this.localKeySet(), revocations);
  }

  private verifyOptions() {
    return { jwksUrl: "", issuer: this.settings.issuer, audience: this.settings.audience };
  }

  private localKeySet(): JWTVerifyGetKey {
    return async (header, token) => createLocalJWKSet(await this.keys.jwks())(header, token);
  }
}
