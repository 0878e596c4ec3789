import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { DomainError, type Logger } from "@repti/kit";

/** What an API key looks like (`rpk_<prefix>_<secret>`); identity decides whether it is one. */
const apiKeyShape = /^rpk_([A-Za-z0-9]{1,32})_[A-Za-z0-9_-]{16,128}$/;

/**
 * The API key of a request, from `x-api-key` or `Authorization: Bearer rpk_...`; undefined when the request
 * carries none (a JWT in Authorization is not a key). A present `x-api-key` counts even when blank (a bad
 * credential is refused, never anonymous); both headers at once is refused rather than guessed at.
 */
export function presentedApiKey(headers: IncomingHttpHeaders): string | undefined {
  const header = headers["x-api-key"];
  const fromHeader = typeof header === "string" ? header.trim() : undefined;
  const bearer = /^Bearer\s+(rpk_\S+)\s*$/i.exec(headers.authorization ?? "")?.[1];
  if (fromHeader !== undefined && headers.authorization) {
    throw new DomainError("UNAUTHENTICATED", "Send one credential: an Authorization header or x-api-key, not both");
  }
  return fromHeader ?? bearer;
}

export interface ApiKeyExchangeOptions {
  /** identity's token endpoint; resolved per call (routing URLs are known once the gateway has started). */
  tokenEndpoint(): URL | undefined;
  log: Logger;
  /**
   * Longest reuse of one exchanged token. Also the longest a revoked key could go on working at this gateway
   * when the revocation list does not reach it (Redis carries revocations at once; without Redis, only this
   * bound holds).
   */
  cacheSeconds?: number;
  /** Time kept in hand before a token's expiry: it must outlive the request that uses it. */
  marginSeconds?: number;
  /** How long a key identity refused stays refused here without asking again. */
  refusedSeconds?: number;
  maxEntries?: number;
  timeoutMs?: number;
}

interface CachedToken {
  accessToken: string;
  reuseUntil: number;
}

/**
 * Exchanges API keys for short access tokens at identity's token endpoint (client credentials), so subgraphs
 * only ever see JWTs. Tokens are cached per key, under the key's SHA-256 (the key itself is never kept), and
 * reused for at most `cacheSeconds`: identity is asked about once a minute per key, not per request. Parallel
 * requests with the same key share one exchange.
 */
export class ApiKeyExchange {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly refused = new Map<string, number>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly cacheMs: number;
  private readonly marginMs: number;
  private readonly refusedMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: ApiKeyExchangeOptions) {
    this.cacheMs = (options.cacheSeconds ?? 60) * 1000;
    this.marginMs = (options.marginSeconds ?? 30) * 1000;
    this.refusedMs = (options.refusedSeconds ?? 5) * 1000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** An access token for the key; UNAUTHENTICATED when identity refuses the key. */
  async accessToken(apiKey: string, client: { ip?: string | undefined; userAgent?: string | undefined } = {}): Promise<string> {
    const match = apiKeyShape.exec(apiKey);
    if (!match) throw invalidApiKey();
    const id = cacheKey(apiKey);
    const now = Date.now();
    const cached = this.tokens.get(id);
    if (cached && cached.reuseUntil > now) return cached.accessToken;
    const refusedUntil = this.refused.get(id);
    if (refusedUntil !== undefined && refusedUntil > now) throw invalidApiKey();
    let exchange = this.pending.get(id);
    if (!exchange) {
      exchange = this.exchange(id, apiKey, `rpk_${match[1]}`, client).finally(() => this.pending.delete(id));
      this.pending.set(id, exchange);
    }
    return exchange;
  }

  /** Drops the cached token of a key (after a subgraph or the verifier refused it). */
  forget(apiKey: string): void {
    this.tokens.delete(cacheKey(apiKey));
  }

  clear(): void {
    this.tokens.clear();
    this.refused.clear();
  }

  private async exchange(id: string, apiKey: string, clientId: string, client: { ip?: string | undefined; userAgent?: string | undefined }): Promise<string> {
    const endpoint = this.options.tokenEndpoint();
    if (!endpoint) throw new Error("identity's token endpoint is unknown");
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
      authorization: `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(apiKey)}`).toString("base64")}`,
    };
    // identity trusts the gateway's X-Forwarded-For: its limits and logs see the client, not the gateway.
    if (client.ip) headers["x-forwarded-for"] = client.ip;
    if (client.userAgent) headers["user-agent"] = client.userAgent;
    const response = await fetch(endpoint, {
      method: "POST",
      headers,
      body: new URLSearchParams({ grant_type: "client_credentials" }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (response.status === 401 || (response.status === 400 && body.error === "invalid_client")) {
      this.remember(this.refused, id, Date.now() + this.refusedMs);
      throw invalidApiKey();
    }
    if (response.status === 429) {
      const retryAfterSeconds = Number(response.headers.get("retry-after")) || 1;
      throw new DomainError("RATE_LIMITED", `Too many token exchanges for this API key; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
    if (!response.ok || typeof body.access_token !== "string" || typeof body.expires_in !== "number") {
      this.options.log.error({ status: response.status, error: body.error }, "API key exchange at identity failed");
      throw new Error(`identity's token endpoint answered ${response.status}`);
    }
    const reuseMs = Math.min(this.cacheMs, body.expires_in * 1000 - this.marginMs);
    // A token about to expire (its key expires soon) serves this request only.
    if (reuseMs > 0) this.remember(this.tokens, id, { accessToken: body.access_token, reuseUntil: Date.now() + reuseMs });
    this.refused.delete(id);
    return body.access_token;
  }

  /** Bounded maps: the oldest entry goes first. */
  private remember<V>(map: Map<string, V>, id: string, value: V): void {
    map.delete(id);
    if (map.size >= this.maxEntries) map.delete(map.keys().next().value!);
    map.set(id, value);
  }
}

const invalidApiKey = () => new DomainError("UNAUTHENTICATED", "API key is invalid, expired or revoked");

function cacheKey(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("base64url");
}

/** RFC 6749 §2.3.1: Basic credentials are form-encoded first. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}
