/** Error codes of RFC 6749 §5.2, RFC 6750 §3.1 and the extension used for rate limits. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_token"
  | "insufficient_scope"
  | "temporarily_unavailable";

/** An OAuth error response: `{ error, error_description }` with its HTTP status and headers. */
export class OAuthError extends Error {
  override name = "OAuthError";
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

export const realm = "repti-core";

export const invalidRequest = (description: string) => new OAuthError("invalid_request", description, 400);

/** RFC 6749 §5.2: 401 with a challenge for the scheme clients authenticate with. */
export const invalidClient = (description = "Unknown client or wrong client secret") =>
  new OAuthError("invalid_client", description, 401, { "www-authenticate": `Basic realm="${realm}"` });

/** RFC 6750 §3.1: a bearer credential that is missing, malformed, expired or revoked. */
export const invalidToken = (description: string) =>
  new OAuthError("invalid_token", description, 401, { "www-authenticate": `Bearer realm="${realm}", error="invalid_token"` });
