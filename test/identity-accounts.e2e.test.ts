import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PasswordHasher } from "../subgraphs/identity/src/passwords/password-hasher.js";
import { bearer, errorCodes, graphql } from "./support/client.js";
import { startTestSmtpServer } from "./support/smtp.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";

type Smtp = Awaited<ReturnType<typeof startTestSmtpServer>>;
let stack: TestStack;
let smtp: Smtp;
beforeAll(async () => {
  smtp = await startTestSmtpServer();
  stack = await startTestStack({ env: { SMTP_URL: smtp.url, APP_URL: "https://app.reptidex.test", REFRESH_TOKEN_REUSE_GRACE_SECONDS: "2" } });
});
afterAll(async () => {
  await stack?.stop();
  await smtp?.close();
});

const authFields = "accessToken refreshToken expiresIn tokenType user { id email emailVerified mfaEnabled }";
const password = "a long and unremarkable terrarium passphrase";

let ipCounter = 0;
/** Every call from its own address (the gateway trusts loopback proxies), so per-IP limits stay out of the way. */
const fromNewIp = () => ({ "x-forwarded-for": `203.0.113.${++ipCounter}` });

async function register(email: string, pass = password) {
  return graphql(
    stack.gatewayUrl,
    `mutation($input: RegisterInput!) { register(input: $input) { ${authFields} } }`,
    { input: { email, password: pass, firstName: "Iggy" } },
    fromNewIp(),
  );
}
async function login(email: string, pass = password, totpCode?: string) {
  return graphql(
    stack.gatewayUrl,
    `mutation($input: LoginInput!) { login(input: $input) { ${authFields} } }`,
    { input: { email, password: pass, ...(totpCode ? { totpCode } : {}) } },
    fromNewIp(),
  );
}
async function refresh(refreshToken: string) {
  return graphql(stack.gatewayUrl, `mutation($t: String!) { refreshToken(refreshToken: $t) { ${authFields} } }`, { t: refreshToken });
}
function changePassword(current: string, next: string, accessToken: string) {
  return graphql(stack.gatewayUrl, "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }", { c: current, n: next }, bearer(accessToken));
}
function tokenFrom(text: string): string {
  const match = /token=([A-Za-z0-9_-]+)/.exec(text);
  if (!match) throw new Error(`no token in mail: ${text}`);
  return match[1]!;
}

describe("accounts: register, verify, sign in, refresh with reuse detection", () => {
  it("runs the whole flow and revokes the family when a rotated token comes back", async () => {
    const email = `Gecko.Keeper+${Date.now()}@Example.com`;
    const registered = await register(`  ${email} `);
    expect(registered.errors).toBeUndefined();
    const account = registered.data!.register;
    expect(account).toMatchObject({ tokenType: "Bearer", expiresIn: 900, user: { email: email.toLowerCase(), emailVerified: false } });

    // The verification mail went through a real SMTP server; its link verifies once.
    const mail = await smtp.waitFor((message) => message.to.includes(email.toLowerCase()) && /confirm your email/i.test(message.subject));
    const verifyToken = tokenFrom(mail.text);
    expect((await graphql(stack.gatewayUrl, "mutation($t: String!) { verifyEmail(token: $t) }", { t: verifyToken })).data).toEqual({ verifyEmail: true });
    expect(errorCodes(await graphql(stack.gatewayUrl, "mutation($t: String!) { verifyEmail(token: $t) }", { t: verifyToken }))).toEqual(["BAD_USER_INPUT"]);

    const signedIn = (await login(email.toUpperCase())).data!.login;
    expect(signedIn.user.emailVerified).toBe(true);
    const me = await graphql(stack.gatewayUrl, "{ me { email } sessions { id current userAgent } }", {}, bearer(signedIn.accessToken));
    expect(me.data!.me.email).toBe(email.toLowerCase());
    expect(me.data!.sessions.filter((session: { current: boolean }) => session.current)).toHaveLength(1);

    const first = (await refresh(signedIn.refreshToken)).data!.refreshToken;
    expect(first.refreshToken).not.toBe(signedIn.refreshToken);
    // A retry of the same refresh within the grace window answers the same child.
    const retried = (await refresh(signedIn.refreshToken)).data!.refreshToken;
    expect(retried.refreshToken).toBe(first.refreshToken);
    const second = (await refresh(first.refreshToken)).data!.refreshToken;

    // The original token is now two generations old: reuse. The whole family ends, the newest token too.
    const replay = await refresh(signedIn.refreshToken);
    expect(errorCodes(replay)).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await refresh(second.refreshToken))).toEqual(["UNAUTHENTICATED"]);
    // And the access tokens of that session stop working before they expire.
    const after = await graphql(stack.gatewayUrl, "{ me { id } }", {}, bearer(second.accessToken));
    expect(after.status).toBe(401);
    expect(errorCodes(after)).toEqual(["UNAUTHENTICATED"]);
  });

  it("lists each session with its device, address and last use", async () => {
    const email = `devices-${Date.now()}@example.com`;
    await register(email);
    const device = { "x-forwarded-for": "198.51.100.77", "user-agent": "ReptiDex-iOS/3.2" };
    const signedIn = (await graphql(stack.gatewayUrl, `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }`, { input: { email, password } }, device)).data!.login;
    const sessions = async (accessToken: string) =>
      (await graphql(stack.gatewayUrl, "{ sessions { current userAgent ipAddress lastUsedAt } }", {}, bearer(accessToken))).data!.sessions as Array<Record<string, unknown>>;
    const [before] = (await sessions(signedIn.accessToken)).filter((session) => session.current);
    expect(before).toMatchObject({ userAgent: "ReptiDex-iOS/3.2", ipAddress: "198.51.100.77" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rotated = (await refresh(signedIn.refreshToken)).data!.refreshToken;
    const [after] = (await sessions(rotated.accessToken)).filter((session) => session.current);
    expect(Date.parse(String(after!.lastUsedAt))).toBeGreaterThan(Date.parse(String(before!.lastUsedAt)));
  });

  it("an immediate predecessor is refused once the grace window has passed", async () => {
    const email = `grace-${Date.now()}@example.com`;
    await register(email);
    const signedIn = (await login(email)).data!.login;
    await refresh(signedIn.refreshToken);
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    expect(errorCodes(await refresh(signedIn.refreshToken))).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses bad passwords and duplicate emails, and changes nothing", async () => {
    const email = `policy-${Date.now()}@example.com`;
    expect(errorCodes(await register(email, "short"))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await register(email, "passwordpassword123"))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await register("not-an-email", password))).toEqual(["BAD_USER_INPUT"]);
    // Address syntax that mail software would deliver elsewhere than what is stored.
    for (const tricky of [`<mallory@evil.example>${email}`, `mallory@evil.example,${email}`, `"x y"@example.com`]) {
      expect(errorCodes(await register(tricky, password))).toEqual(["BAD_USER_INPUT"]);
    }
    const long = "x".repeat(10) + " ".repeat(2) + "a 64+ character passphrase is fine and is never truncated at all";
    expect((await register(email, long)).errors).toBeUndefined();
    expect(errorCodes(await login(email, long.slice(0, -1)))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await register(email.toUpperCase(), password))).toEqual(["CONFLICT"]);
    await withSql(stack, async (sql) => {
      const [row] = await sql`select count(*)::int as n from identity.users where email = ${email}`;
      expect(row!.n).toBe(1);
    });
  });

  it("answers an unknown email and a wrong password alike", async () => {
    const email = `same-${Date.now()}@example.com`;
    await register(email);
    const wrong = await login(email, "not the password at all, sorry");
    const unknown = await login(`nobody-${Date.now()}@example.com`, "not the password at all, sorry");
    expect(wrong.errors![0]).toEqual(unknown.errors![0]);
  });
});

describe("sessions", () => {
  it("logout, revokeSession and logoutAll end sessions and their access tokens", async () => {
    const email = `sessions-${Date.now()}@example.com`;
    await register(email);
    const a = (await login(email)).data!.login;
    const b = (await login(email)).data!.login;
    const c = (await login(email)).data!.login;
    const list = await graphql(stack.gatewayUrl, "{ sessions { id current } }", {}, bearer(a.accessToken));
    expect(list.data!.sessions.length).toBeGreaterThanOrEqual(4);
    const bId = (await graphql(stack.gatewayUrl, "{ sessions { id current } }", {}, bearer(b.accessToken))).data!.sessions.find(
      (session: { current: boolean }) => session.current,
    ).id;

    // Someone else's session id is not found.
    const other = (await login("keeper@reptidex.dev", "basking-spot-demo-password")).data!.login;
    expect(errorCodes(await graphql(stack.gatewayUrl, "mutation($id: ID!) { revokeSession(id: $id) }", { id: bId }, bearer(other.accessToken)))).toEqual(["NOT_FOUND"]);

    expect((await graphql(stack.gatewayUrl, "mutation($id: ID!) { revokeSession(id: $id) }", { id: bId }, bearer(a.accessToken))).data).toEqual({ revokeSession: true });
    expect((await graphql(stack.gatewayUrl, "{ me { id } }", {}, bearer(b.accessToken))).status).toBe(401);
    expect((await graphql(stack.gatewayUrl, "mutation { logout }", {}, bearer(c.accessToken))).data).toEqual({ logout: true });
    expect(errorCodes(await refresh(c.refreshToken))).toEqual(["UNAUTHENTICATED"]);
    expect((await graphql(stack.gatewayUrl, "mutation { logoutAll }", {}, bearer(a.accessToken))).data).toEqual({ logoutAll: true });
    expect((await graphql(stack.gatewayUrl, "{ me { id } }", {}, bearer(a.accessToken))).status).toBe(401);
    expect((await graphql(stack.gatewayUrl, "{ me { email } }", {}, bearer(other.accessToken))).data).toEqual({ me: { email: "keeper@reptidex.dev" } });
  });
});

describe("password reset and change", () => {
  it("resets through the mailed link once; every session ends; unknown emails get the same answer", async () => {
    const email = `reset-${Date.now()}@example.com`;
    await register(email);
    const before = (await login(email)).data!.login;
    const ask = (address: string) => graphql(stack.gatewayUrl, "mutation($e: String!) { requestPasswordReset(email: $e) }", { e: address });
    expect((await ask(`nobody-${Date.now()}@example.com`)).data).toEqual({ requestPasswordReset: true });
    expect((await ask(email)).data).toEqual({ requestPasswordReset: true });
    const mail = await smtp.waitFor((message) => message.to.includes(email) && /reset/i.test(message.subject));
    const token = tokenFrom(mail.text);
    const newPassword = "an entirely new vivarium passphrase";
    const reset = (t: string, p: string) => graphql(stack.gatewayUrl, "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }", { t, p });
    expect(errorCodes(await reset(token, "short"))).toEqual(["BAD_USER_INPUT"]);
    expect((await reset(token, newPassword)).data).toEqual({ resetPassword: true });
    expect(errorCodes(await reset(token, "yet another long passphrase here"))).toEqual(["BAD_USER_INPUT"]);
    expect((await graphql(stack.gatewayUrl, "{ me { id } }", {}, bearer(before.accessToken))).status).toBe(401);
    expect(errorCodes(await login(email))).toEqual(["UNAUTHENTICATED"]);
    const after = (await login(email, newPassword)).data!.login;

    const other = (await login(email, newPassword)).data!.login;
    expect(errorCodes(await changePassword("wrong current password!!", password, after.accessToken))).toEqual(["UNAUTHENTICATED"]);
    expect((await changePassword(newPassword, password, after.accessToken)).data).toEqual({ changePassword: true });
    // The other session ended; this one goes on.
    expect((await graphql(stack.gatewayUrl, "{ me { id } }", {}, bearer(other.accessToken))).status).toBe(401);
    expect((await graphql(stack.gatewayUrl, "{ me { email } }", {}, bearer(after.accessToken))).data).toEqual({ me: { email } });
  });
});

describe("expired links", () => {
  it("a reset or verification link past its expiry changes nothing", async () => {
    const email = `expired-${Date.now()}@example.com`;
    const account = (await register(email)).data!.register;
    await graphql(stack.gatewayUrl, "mutation($e: String!) { requestPasswordReset(email: $e) }", { e: email });
    const reset = tokenFrom((await smtp.waitFor((message) => message.to.includes(email) && /reset/i.test(message.subject))).text);
    const verify = tokenFrom((await smtp.waitFor((message) => message.to.includes(email) && /confirm your email/i.test(message.subject))).text);
    await withSql(stack, async (sql) => {
      await sql`update identity.email_tokens set expires_at = now() - interval '1 second' where user_id = ${account.user.id}`;
      expect(errorCodes(await graphql(stack.gatewayUrl, "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }", { t: reset, p: "a late but otherwise fine passphrase" }))).toEqual(["BAD_USER_INPUT"]);
      expect(errorCodes(await graphql(stack.gatewayUrl, "mutation($t: String!) { verifyEmail(token: $t) }", { t: verify }))).toEqual(["BAD_USER_INPUT"]);
      const [row] = await sql`select email_verified_at from identity.users where id = ${account.user.id}`;
      expect(row!.email_verified_at).toBeNull();
    });
    expect((await login(email)).errors).toBeUndefined();
  });
});

describe("reset links after a password change", () => {
  it("a reset link mailed before a password change no longer works after it", async () => {
    const email = `retire-${Date.now()}@example.com`;
    const account = (await register(email)).data!.register;
    await graphql(stack.gatewayUrl, "mutation($e: String!) { requestPasswordReset(email: $e) }", { e: email });
    const mail = await smtp.waitFor((message) => message.to.includes(email) && /reset/i.test(message.subject));
    const changed = await changePassword(password, "a freshly chosen basking lamp passphrase", account.accessToken);
    expect(changed.data).toEqual({ changePassword: true });
    const reset = await graphql(stack.gatewayUrl, "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }", {
      t: tokenFrom(mail.text),
      p: "an attacker's replacement passphrase here",
    });
    expect(errorCodes(reset)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("hash upgrades and events", () => {
  it("rehashes a password stored with weaker argon2 parameters at the next successful sign-in", async () => {
    const email = `legacy-${Date.now()}@example.com`;
    await register(email);
    const weak = await new PasswordHasher({ memoryCost: 4096, timeCost: 1 }).hash(password);
    expect(weak).toMatch(/m=4096,t=1/);
    await withSql(stack, async (sql) => {
      await sql`update identity.users set password_hash = ${weak} where email = ${email}`;
      expect((await login(email)).errors).toBeUndefined();
      const [row] = await sql`select password_hash from identity.users where email = ${email}`;
      expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });
  });

  it("announces account and session changes as events through the outbox", async () => {
    const email = `events-${Date.now()}@example.com`;
    const account = (await register(email)).data!.register;
    const changed = await changePassword(password, "a freshly chosen basking lamp passphrase", account.accessToken);
    expect(changed.data).toEqual({ changePassword: true });
    await graphql(stack.gatewayUrl, "mutation { logout }", {}, bearer(account.accessToken));
    const adminLogin = await graphql(stack.gatewayUrl, `mutation { login(input: { email: "admin@reptidex.dev", password: "basking-spot-demo-password" }) { accessToken } }`);
    const admin = adminLogin.data!.login.accessToken as string;
    const types = ["auth.user.created", "auth.session.started", "auth.password.changed", "auth.session.ended"];
    const found = await waitForEvents(admin, account.user.id, types);
    expect(found).toEqual(expect.arrayContaining(types));
  });
});

async function waitForEvents(adminToken: string, userId: string, types: string[]): Promise<string[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const page = await graphql(
      stack.gatewayUrl,
      "query($f: EventFilter) { events(filter: $f, first: 100) { edges { node { type } } } }",
      { f: { aggregateId: userId } },
      bearer(adminToken),
    );
    const seen = page.data!.events.edges.map((edge: { node: { type: string } }) => edge.node.type) as string[];
    if (types.every((type) => seen.includes(type)) || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
