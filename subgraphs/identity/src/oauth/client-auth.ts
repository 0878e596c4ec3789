import { invalidClient, invalidRequest } from "./oauth.errors.js";

/** How a caller of the token or introspection endpoint authenticated (RFC 6749 §2.3.1, RFC 6750 §2.1). */
export type ClientAuthentication =
  | { method: "client_secret_basic" | "client_secret_post"; clientId: string; clientSecret: string }
  | { method: "bearer"; token: string };

export type FormBody = Record<string, unknown>;

/** A form parameter; RFC 6749 §3.2: parameters must not repeat. */
export function formParam(body: FormBody, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalidRequest(`${name} must be given once`);
  return value;
}

/** `application/x-www-form-urlencoded` decoding, which RFC 6749 §2.3.1 applies to both Basic credentials. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    throw invalidClient("Malformed Basic credentials");
  }
}

function basicCredentials(encoded: string): { clientId: string; clientSecret: string } {
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 1) throw invalidClient("Malformed Basic credentials");
  return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
}

/**
 * The caller's credentials from the Authorization header (Basic client credentials or a Bearer token) or from
 * `client_id`/`client_secret` in the body; undefined when there are none. Using two methods at once is refused
 * (RFC 6749 §2.3).
 */
export function readClientAuthentication(authorization: string | undefined, body: FormBody): ClientAuthentication | undefined {
  const clientId = formParam(body, "client_id");
  const clientSecret = formParam(body, "client_secret");
  if (authorization) {
    if (clientSecret !== undefined) throw invalidRequest("Authenticate with one method: the Authorization header or client_secret, not both");
    const match = /^(Basic|Bearer)\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw invalidClient("Authorization must be `Basic <credentials>` or `Bearer <token>`");
    if (match[1]!.toLowerCase() === "bearer") return { method: "bearer", token: match[2]! };
    const basic = basicCredentials(match[2]!);
    if (clientId !== undefined && clientId !== basic.clientId) throw invalidRequest("client_id differs from the authenticated client");
    return { method: "client_secret_basic", ...basic };
  }
  if (clientSecret === undefined) return undefined;
  if (!clientId) throw invalidClient("client_id is required with client_secret");
  return { method: "client_secret_post", clientId, clientSecret };
}
