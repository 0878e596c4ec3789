import { describe, expect, it } from "vitest";
import { readClientAuthentication } from "./client-auth.js";
import { OAuthError } from "./oauth.errors.js";

/** As RFC 6749 §2.3.1 clients (openid-client among them) send it: each part form-encoded, then Basic. */
function basic(id: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/[-_.!~*'()]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString("base64")}`;
}

function oauthError(run: () => unknown): OAuthError {
  try {
    run();
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error("expected an OAuthError");
}

const key = "rpk_abcdefghij_Ab-_cd" + "x".repeat(37);

describe("client authentication", () => {
  it("reads form-encoded Basic credentials", () => {
    expect(readClientAuthentication(basic("rpk_abcdefghij", key), {})).toEqual({ method: "client_secret_basic", clientId: "rpk_abcdefghij", clientSecret: key });
    // Unencoded works too, and + is a space.
    const plain = `Basic ${Buffer.from(`a+b:${key}`).toString("base64")}`;
    expect(readClientAuthentication(plain, {})).toEqual({ method: "client_secret_basic", clientId: "a b", clientSecret: key });
  });

  it("reads client_id and client_secret from the body, and Bearer tokens", () => {
    expect(readClientAuthentication(undefined, { client_id: "id", client_secret: key })).toEqual({ method: "client_secret_post", clientId: "id", clientSecret: key });
    expect(readClientAuthentication("Bearer abc.def", {})).toEqual({ method: "bearer", token: "abc.def" });
    expect(readClientAuthentication(undefined, { grant_type: "client_credentials" })).toBeUndefined();
  });

  it("refuses two methods at once, repeated parameters and malformed headers", () => {
    expect(oauthError(() => readClientAuthentication(basic("a", key), { client_secret: key }))).toMatchObject({ error: "invalid_request", status: 400 });
    expect(oauthError(() => readClientAuthentication(basic("a", key), { client_id: "b" }))).toMatchObject({ error: "invalid_request" });
    expect(oauthError(() => readClientAuthentication(undefined, { client_id: ["a", "b"], client_secret: key }))).toMatchObject({ error: "invalid_request" });
    for (const header of ["Digest abc", "Basic", `Basic ${Buffer.from("no-colon").toString("base64")}`, `Basic ${Buffer.from(":secret").toString("base64")}`, `Basic ${Buffer.from("a:%E0%A4%A").toString("base64")}`]) {
      const error = oauthError(() => readClientAuthentication(header, {}));
      expect(error, header).toMatchObject({ error: "invalid_client", status: 401 });
      expect(error.headers["www-authenticate"]).toMatch(/^Basic realm=/);
    }
    expect(oauthError(() => readClientAuthentication(undefined, { client_secret: key }))).toMatchObject({ error: "invalid_client" });
  });
});
