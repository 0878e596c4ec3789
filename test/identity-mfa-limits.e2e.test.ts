import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ seedDemoData: false });
});
afterAll(async () => {
  await stack?.stop();
});

const password = "a long and unremarkable terrarium passphrase";
const authFields = "accessToken refreshToken user { id mfaEnabled }";
let ipCounter = 0;
/** Each caller its own address (the gateway trusts loopback proxies), so per-IP limits stay per test. */
const fromNewIp = () => ({ "x-forwarded-for": `198.51.100.${++ipCounter}` });

async function register(email: string, headers = fromNewIp()) {
  const response = await graphql(stack.gatewayUrl, `mutation($i: RegisterInput!) { register(input: $i) { ${authFields} } }`, { i: { email, password } }, headers);
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.register;
}
function login(email: string, pass: string, headers: Record<string, string>, totpCode?: string) {
  return graphql(stack.gatewayUrl, `mutation($i: LoginInput!) { login(input: $i) { ${authFields} } }`, { i: { email, password: pass, ...(totpCode ? { totpCode } : {}) } }, headers);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), written out here so the test does not share code with the server. */
function totp(base32Secret: string, atMs: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of base32Secret.replace(/=+$/, "")) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const digest = createHmac("sha1", key).update(counter).digest();
  const offset = digest[19]! & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

describe("TOTP second factor", () => {
  it("enrols, requires a code at login, refuses a replayed code, and takes each recovery code once", async () => {
    const email = `mfa-${Date.now()}@example.com`;
    const { accessToken } = await register(email);
    const enrolment = await graphql(stack.gatewayUrl, "mutation { enrollTotp { secret otpauthUri } }", {}, bearer(accessToken));
    const { secret, otpauthUri } = enrolment.data!.enrollTotp;
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/ReptiDex:.+\?.*secret=/);
    expect(otpauthUri).toContain(encodeURIComponent(email).replace(/%40/, "%40"));

    const confirm = (code: string) => graphql(stack.gatewayUrl, "mutation($c: String!) { confirmTotp(code: $c) }", { c: code }, bearer(accessToken));
    expect(errorCodes(await confirm("000000"))).toEqual(["BAD_USER_INPUT"]);
    const recoveryCodes: string[] = (await confirm(totp(secret, Date.now()))).data!.confirmTotp;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    const ip = fromNewIp();
    const withoutCode = await login(email, password, ip);
    expect(errorCodes(withoutCode)).toEqual(["MFA_REQUIRED"]);
    expect(withoutCode.data).toBeNull();
    // The confirmation used the current step; the next step's code (inside the ±1 window) signs in once.
    const nextCode = totp(secret, Date.now() + 30_000);
    const signedIn = await login(email, password, ip, nextCode);
    expect(signedIn.data!.login.user.mfaEnabled).toBe(true);
    expect(errorCodes(await login(email, password, ip, nextCode))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await login(email, "wrong password, right code!", ip, totp(secret, Date.now() + 60_000)))).toEqual(["UNAUTHENTICATED"]);

    const recovery = recoveryCodes[0]!;
    expect((await login(email, password, ip, recovery.toLowerCase())).data!.login.user.mfaEnabled).toBe(true);
    expect(errorCodes(await login(email, password, ip, recovery))).toEqual(["UNAUTHENTICATED"]);

    const disable = await graphql(stack.gatewayUrl, "mutation($c: String!) { disableTotp(code: $c) }", { c: recoveryCodes[1] }, bearer(accessToken));
    expect(disable.data).toEqual({ disableTotp: true });
    expect((await login(email, password, ip)).data!.login.user.mfaEnabled).toBe(false);
  });
});

describe("changing two-factor settings", () => {
  const enrolUser = async (email: string) => {
    const { accessToken, user } = await register(email);
    const { secret } = (await graphql(stack.gatewayUrl, "mutation { enrollTotp { secret } }", {}, bearer(accessToken))).data!.enrollTotp;
    const confirmed = await graphql(stack.gatewayUrl, "mutation($c: String!) { confirmTotp(code: $c) }", { c: totp(secret, Date.now()) }, bearer(accessToken));
    expect(confirmed.errors).toBeUndefined();
    return { accessToken, userId: user.id as string, secret: secret as string };
  };
  const ageSessions = async (userId: string) => {
    await withSql(stack, async (sql) => {
      await sql`update identity.sessions set created_at = now() - interval '16 minutes' where user_id = ${userId}`;
    });
  };
  const userRow = async (userId: string) => {
    return withSql(stack, async (sql) => {
      const [row] = await sql`select mfa_enabled, totp_secret_encrypted from identity.users where id = ${userId}`;
      return row!;
    });
  };

  it("needs a password sign-in from the last 15 minutes: a refreshed or stolen old session cannot enrol or disable", async () => {
    const { accessToken, user } = await register(`stale-${Date.now()}@example.com`);
    await ageSessions(user.id);
    const enrol = await graphql(stack.gatewayUrl, "mutation { enrollTotp { secret } }", {}, bearer(accessToken));
    expect(errorCodes(enrol)).toEqual(["FORBIDDEN"]);
    expect(enrol.errors![0]!.extensions!.reauthenticate).toBe(true);
    expect(errorCodes(await graphql(stack.gatewayUrl, "mutation { confirmTotp(code: \"123456\") }", {}, bearer(accessToken)))).toEqual(["FORBIDDEN"]);
    expect(await userRow(user.id)).toEqual({ mfa_enabled: false, totp_secret_encrypted: null });

    // Turning it off needs the same: a right code from an old session is not enough.
    const enrolled = await enrolUser(`stale-off-${Date.now()}@example.com`);
    await ageSessions(enrolled.userId);
    const off = await graphql(stack.gatewayUrl, "mutation($c: String!) { disableTotp(code: $c) }", { c: totp(enrolled.secret, Date.now() + 30_000) }, bearer(enrolled.accessToken));
    expect(errorCodes(off)).toEqual(["FORBIDDEN"]);
    expect(off.errors![0]!.extensions!.reauthenticate).toBe(true);
    expect((await userRow(enrolled.userId)).mfa_enabled).toBe(true);
  });

  it("counts wrong codes on disableTotp towards a backoff and keeps two-factor on", async () => {
    const { accessToken, userId } = await enrolUser(`disable-${Date.now()}@example.com`);
    const disable = (code: string) => graphql(stack.gatewayUrl, "mutation($c: String!) { disableTotp(code: $c) }", { c: code }, bearer(accessToken));
    // Five wrong codes are free; the sixth blocks, so the next code waits whatever it is.
    for (let attempt = 0; attempt < 6; attempt += 1) expect(errorCodes(await disable("999999"))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await disable("000000"))).toEqual(["RATE_LIMITED"]);
    expect((await userRow(userId)).mfa_enabled).toBe(true);
  });
});

describe("rate limits on sign-in", () => {
  it("blocks an account after repeated failures with a retry-after, then lets the real user back in", async () => {
    const email = `limits-${Date.now()}@example.com`;
    await register(email);
    const ip = fromNewIp();
    // Five free failures, then each failure blocks the account for 2 s, 4 s, ... (never permanently).
    for (let attempt = 0; attempt < 6; attempt += 1) {
      expect(errorCodes(await login(email, "definitely not the password", ip))).toEqual(["UNAUTHENTICATED"]);
    }
    const blocked = await login(email, password, ip);
    expect(errorCodes(blocked)).toEqual(["RATE_LIMITED"]);
    expect(blocked.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another address is blocked too: the limit is on the account, not on where the guesses come from.
    expect(errorCodes(await login(email, password, fromNewIp()))).toEqual(["RATE_LIMITED"]);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect((await login(email, password, ip)).errors).toBeUndefined();
  });

  it("checks one password of an account at a time: a parallel burst costs the attacker, not the user", async () => {
    const email = `parallel-${Date.now()}@example.com`;
    await register(email);
    const results = await Promise.all(Array.from({ length: 12 }, () => login(email, "definitely not the password", fromNewIp())));
    const codes = results.flatMap(errorCodes);
    // Guesses that arrive while one is being checked are refused before any hash (without the guard all twelve
    // would be checked). A guess that arrives after the previous check finished is checked: allow a couple.
    const checked = codes.filter((code) => code === "UNAUTHENTICATED").length;
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThanOrEqual(3);
    expect(codes.filter((code) => code === "RATE_LIMITED")).toHaveLength(12 - checked);
    expect(results.find((result) => errorCodes(result)[0] === "RATE_LIMITED")!.errors![0]!.extensions!.retryAfterSeconds).toBe(1);
    // A few failures are far from a block: the real user signs straight in.
    expect((await login(email, password, fromNewIp())).errors).toBeUndefined();
  });

  it("counts IPv6 clients per /64, so rotating addresses inside one network buys no budget", async () => {
    const reset = (headers: Record<string, string>) =>
      graphql(stack.gatewayUrl, "mutation($e: String!) { requestPasswordReset(email: $e) }", { e: `nobody-${Date.now()}@example.com` }, headers);
    // Ten resets an hour per client; each request from a different address of 2001:db8:aa:1::/64.
    for (let host = 1; host <= 10; host += 1) expect((await reset({ "x-forwarded-for": `2001:db8:aa:1::${host.toString(16)}` })).errors).toBeUndefined();
    expect(errorCodes(await reset({ "x-forwarded-for": "2001:db8:aa:1:ffff:ffff:ffff:fffe" }))).toEqual(["RATE_LIMITED"]);
    expect((await reset({ "x-forwarded-for": "2001:db8:aa:2::1" })).errors).toBeUndefined();
  });

  it("limits sign-in attempts per address", async () => {
    const ip = fromNewIp();
    const email = `per-ip-${Date.now()}@example.com`;
    await register(email);
    const answers = [];
    for (let attempt = 0; attempt < 31; attempt += 1) answers.push(errorCodes(await login(`nobody-${attempt}@example.com`, "whatever it may be", ip))[0]);
    expect(answers.slice(0, 30).every((code) => code === "UNAUTHENTICATED")).toBe(true);
    expect(answers[30]).toBe("RATE_LIMITED");
    expect(errorCodes(await login(email, password, ip))).toEqual(["RATE_LIMITED"]);
    expect((await login(email, password, fromNewIp())).errors).toBeUndefined();
  });
});
