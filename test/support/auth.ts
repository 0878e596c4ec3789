import { importPKCS8, SignJWT, type JWTPayload } from "jose";
import { SecretBox } from "../../subgraphs/identity/src/secrets/secret-box.js";
import { demoPassword } from "../../subgraphs/identity/src/definition.js";
import { graphql } from "./client.js";
import { testAudience, testIssuer } from "./issuer.js";
import { withSql, type TestStack } from "./stack.js";

export { demoPassword };

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
}

const authFields = "accessToken refreshToken expiresIn tokenType user { id email platformRole }";

/** Signs in through the gateway, as a client would. */
export async function login(stack: TestStack, email: string, password = demoPassword, totpCode?: string): Promise<Tokens> {
  const response = await graphql(stack.gatewayUrl, `mutation($input: LoginInput!) { login(input: $input) { ${authFields} } }`, {
    input: { email, password, ...(totpCode ? { totpCode } : {}) },
  });
  if (!response.data?.login) throw new Error(`login failed: ${JSON.stringify(response.errors)}`);
  return response.data.login as Tokens;
}

export const loginAdmin = (stack: TestStack) => login(stack, "admin@reptidex.dev");
export const loginKeeper = (stack: TestStack) => login(stack, "keeper@reptidex.dev");

/**
 * Signs arbitrary claims with identity's real active key (read from its table and opened with the development
 * encryption key the tests run with): tokens whose signature is genuine but whose claims are wrong.
 */
export async function signWithIdentityKey(
  stack: TestStack,
  claims: JWTPayload,
  options: { audience?: string; issuer?: string; expiresAt?: number; typ?: string; alg?: string } = {},
): Promise<string> {
  return withSql(stack, async (sql) => {
    const [key] = await sql`select kid, algorithm, private_key_encrypted from identity.signing_keys
      where activates_at <= now() and retires_at > now() order by activates_at desc limit 1`;
    if (!key) throw new Error("identity has no active signing key yet (sign someone in first)");
    const privateKey = await importPKCS8(new SecretBox(SecretBox.deriveDevelopmentKey()).open(key.private_key_encrypted as string), key.algorithm as string);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? (key.algorithm as string), kid: key.kid as string, typ: options.typ ?? "at+jwt" })
      .setIssuer(options.issuer ?? testIssuer)
      .setAudience(options.audience ?? testAudience)
      .setIssuedAt()
      .setExpirationTime(options.expiresAt ?? "15m")
      .sign(privateKey);
  });
}
