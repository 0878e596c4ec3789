import { clientAddressKey, DomainError, type AccessTokenInspector, type RateLimiter } from "@repti/kit";
import { authLimits } from "../accounts/auth-limits.js";
import type { AccessTokenService } from "../keys/access-token.service.js";
import { apiKeyMarker, displayPrefix } from "../api-keys/api-key.secret.js";
import type { ActiveApiKey, ApiKeyService } from "../api-keys/api-key.service.js";
import type { ApiKeyScope } from "../api-keys/api-key.scopes.js";
import type { ClientAuthentication } from "./client-auth.js";
import { invalidClient, invalidRequest, invalidToken, OAuthError } from "./oauth.errors.js";

/** The scope that lets a client call the introspection endpoint. */
export const introspectScope: ApiKeyScope = "auth.introspect";

export interface OAuthSettings {
  issuer: string;
  audience: string;
  /** Lifetime of client-credentials access tokens (never past the key's own expiry). */
  tokenTtlSeconds: number;
}

export interface TokenRequest {
  grantType: string | undefined;
  scope: string | undefined;
}

/** RFC 6749 §5.1. */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
}

/** RFC 7662 §2.2; `token_type` tells an access token from an API key. */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      token_type: "access_token" | "api_key";
      sub: string;
      client_id: string;
      iss: string;
      aud: string | string[];
      iat: number;
      exp?: number;
      scope?: string;
      jti?: string;
      sid?: string;
      key_id?: string;
      vivarium_id?: string;
    };

const inactive: IntrospectionResponse = { active: false };
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A key's `client_id` is its id or its visible prefix (`rpk_<prefix>`, or without `rpk_`). */
function clientIdMatches(clientId: string, key: ActiveApiKey): boolean {
  const { id, prefix } = key.record;
  return clientId === id || clientId === prefix || clientId === displayPrefix(prefix);
}

/**
 * OAuth 2.0 for services: the client-credentials grant (RFC 6749 §4.4) with API keys as client secrets, and
 * token introspection (RFC 7662). No HTTP here; `oauth.routes.ts` is the transport.
 */
export class OAuthService {
  constructor(
    private readonly deps: {
      apiKeys: ApiKeyService;
      tokens: AccessTokenService;
      inspect: AccessTokenInspector;
      limiter: RateLimiter;
      settings: OAuthSettings;
    },
  ) {}

  /** Per address, before any credential is looked at: bounds what unauthenticated floods cost. */
  async admitClientAddress(ipAddress: string | undefined): Promise<void> {
    await this.deps.limiter.consume(authLimits.oauthPerIp, clientAddressKey(ipAddress));
  }

  /** Client credentials: a short access token carrying the key's scopes, or the requested subset of them. */
  async token(client: ClientAuthentication | undefined, request: TokenRequest, now = new Date()): Promise<TokenResponse> {
    if (!request.grantType) throw invalidRequest("grant_type is required");
    if (request.grantType !== "client_credentials") {
      throw new OAuthError("unsupported_grant_type", "Only the client_credentials grant is supported", 400);
    }
    if (client?.method === "bearer") throw invalidClient("Authenticate with client_secret_basic or client_secret_post");
    const key = await this.authenticateClient(client, now);
    // Per client, once it is known who the client is: failed guesses cannot spend a real client's budget.
    await this.deps.limiter.consume(authLimits.tokenPerClient, key.record.id);
    const scopes = narrowScopes(key.scopes, request.scope);
    const untilKeyExpires = key.record.expiresAt ? Math.floor((key.record.expiresAt.getTime() - now.getTime()) / 1000) : Infinity;
    const ttl = Math.max(1, Math.min(this.deps.settings.tokenTtlSeconds, untilKeyExpires));
    const { accessToken, expiresIn } = await this.deps.tokens.forApiKey(
      { id: key.record.id, userId: key.record.userId, scopes, vivariumId: key.record.vivariumId },
      ttl,
    );
    this.deps.apiKeys.recordUse(key);
    return { access_token: accessToken, token_type: "Bearer", expires_in: expiresIn, scope: scopes.join(" ") };
  }

  /**
   * Who may introspect: a client holding `auth.introspect`, authenticated by its API key (Basic, form body, or
   * `Bearer rpk_...`) or by an access token the key was exchanged for. 401 for bad credentials, 403 without
   * the scope.
   */
  async authorizeIntrospection(client: ClientAuthentication | undefined, now = new Date()): Promise<void> {
    let scopes: readonly string[];
    if (client?.method === "bearer") {
      if (client.token.startsWith(apiKeyMarker)) {
        const key = await this.deps.apiKeys.authenticate(client.token, now);
        if (!key) throw invalidToken("Unknown, expired or revoked API key");
        this.deps.apiKeys.recordUse(key);
        scopes = key.scopes;
      } else {
        const inspected = await this.deps.inspect(client.token).catch((error: unknown) => {
          if (error instanceof DomainError) throw invalidToken(error.message);
          throw error;
        });
        scopes = inspected.auth.kind === "service" ? inspected.auth.scopes : [];
      }
    } else {
      const key = await this.authenticateClient(client, now);
      this.deps.apiKeys.recordUse(key);
      scopes = key.scopes;
    }
    if (!scopes.includes(introspectScope)) {
      const challenge: Record<string, string> =
        client?.method === "bearer" ? { "www-authenticate": `Bearer error="insufficient_scope", scope="${introspectScope}"` } : {};
      throw new OAuthError("insufficient_scope", `Introspection needs the scope ${introspectScope}`, 403, challenge);
    }
  }

  /** Whether a token (access token or API key) is active now, and what it stands for; never an error. */
  async introspect(token: string, now = new Date()): Promise<IntrospectionResponse> {
    const { issuer, audience } = this.deps.settings;
    if (token.startsWith(apiKeyMarker)) {
      const key = await this.deps.apiKeys.authenticate(token, now);
      if (!key) return inactive;
      const { id, userId, createdAt, expiresAt, vivariumId } = key.record;
      return {
        active: true,
        token_type: "api_key",
        sub: userId,
        client_id: id,
        key_id: id,
        scope: key.scopes.join(" "),
        iss: issuer,
        aud: audience,
        iat: seconds(createdAt),
        ...(expiresAt ? { exp: seconds(expiresAt) } : {}),
        ...(vivariumId ? { vivarium_id: vivariumId } : {}),
      };
    }
    const inspected = await this.deps.inspect(token).catch((error: unknown) => {
      if (error instanceof DomainError) return undefined;
      throw error;
    });
    if (!inspected) return inactive;
    // A key revoked or expired since: its tokens are inactive too (the revocation list may not reach here).
    if (inspected.auth.kind === "service" && !(await this.deps.apiKeys.active(inspected.auth.apiKeyId, now))) return inactive;
    const claims = inspected.claims;
    const text = (value: unknown) => (typeof value === "string" ? value : undefined);
    const optional = { scope: text(claims.scope), jti: claims.jti, sid: text(claims.sid), key_id: text(claims.key_id), vivarium_id: text(claims.vivarium_id) };
    return {
      active: true,
      token_type: "access_token",
      sub: claims.sub!,
      client_id: text(claims.client_id) ?? claims.sub!,
      iss: claims.iss ?? issuer,
      aud: claims.aud ?? audience,
      iat: claims.iat ?? seconds(now),
      exp: claims.exp!,
      ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    };
  }

  private async authenticateClient(client: ClientAuthentication | undefined, now: Date): Promise<ActiveApiKey> {
    if (!client) throw invalidClient("Client authentication required: client_id and client_secret (the API key)");
    if (client.method === "bearer") throw invalidClient("Authenticate with client_secret_basic or client_secret_post");
    const key = await this.deps.apiKeys.authenticate(client.clientSecret, now);
    if (!key || !clientIdMatches(client.clientId, key)) throw invalidClient();
    return key;
  }
}

/** RFC 6749 §3.3: the requested scopes, each of which the key must hold; all of its scopes when none are named. */
function narrowScopes(held: readonly ApiKeyScope[], requested: string | undefined): string[] {
  const names = (requested ?? "").split(" ").filter(Boolean);
  if (names.length === 0) return [...held];
  const missing = names.filter((name) => !(held as readonly string[]).includes(name));
  if (missing.length > 0) throw new OAuthError("invalid_scope", `The client may not request: ${missing.join(" ")}`, 400);
  return [...new Set(names)];
}
