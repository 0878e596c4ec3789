import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { errorCodes, graphql } from "./support/client.js";
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from "./support/smtp.js";
import { startTestStack, withSql, type TestStack } from "./support/stack.js";
import { addMember, createVivarium, data, register, untilInDirectory, vivariumState, type Person } from "./support/vivariums.js";

/**
 * Invitations end to end: vivarium announces one, identity mails the link through a real SMTP server, and the
 * account holding the invited (verified) address joins with it, once, before it expires.
 */
let smtp: TestSmtpServer;
let stack: TestStack;
let host: Person;
let curator: Person;
let keeper: Person;
beforeAll(async () => {
  smtp = await startTestSmtpServer();
  stack = await startTestStack({ env: { SMTP_URL: smtp.url, APP_URL: "https://app.reptidex.test" } });
  [host, curator, keeper] = await Promise.all([register(stack, "host"), register(stack, "curator"), register(stack, "keeper")]);
  await untilInDirectory(stack, [host, curator, keeper]);
});
afterAll(async () => {
  await stack?.stop();
  await smtp?.close();
});

const inviteMutation = `mutation($v: ID!, $email: String!, $role: VivariumRole!) {
  inviteVivariumMember(vivariumId: $v, email: $email, role: $role) { id email role createdAt expiresAt invitedBy { id } vivarium { id } } }`;
const acceptMutation = `mutation($t: String!) { acceptVivariumInvitation(token: $t) { role user { id email } invitedBy { id } } }`;
const revokeMutation = `mutation($id: ID!) { revokeVivariumInvitation(id: $id) }`;

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}@example.com`;

function invite(by: Person, vivariumId: string, email: string, role = "KEEPER") {
  return graphql(stack.gatewayUrl, inviteMutation, { v: vivariumId, email, role }, by.auth);
}

function accept(person: Person, token: string) {
  return graphql(stack.gatewayUrl, acceptMutation, { t: token }, person.auth);
}

function tokenIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https://app\\.reptidex\\.test${path}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  return match[1]!;
}

async function invitationMail(email: string, after = 0): Promise<ReceivedMail> {
  return smtp.waitFor((mail) => mail.to.includes(email) && /invited to/.test(mail.subject) && smtp.messages.indexOf(mail) >= after, 10_000);
}

/** Registers `email` and verifies it through the mailed link, as the invitee would. */
async function registerVerified(email: string): Promise<Person> {
  const person = await register(stack, "invitee", email);
  const mail = await smtp.waitFor((message) => message.to.includes(email) && /confirm your email/i.test(message.subject), 10_000);
  expect(data(await graphql(stack.gatewayUrl, `mutation($t: String!) { verifyEmail(token: $t) }`, { t: tokenIn(mail, "/verify-email") }))).toEqual({ verifyEmail: true });
  await untilInDirectory(stack, [person], { verified: true });
  return person;
}

async function expectRefused(vivariumId: string, code: string, request: () => ReturnType<typeof graphql>): Promise<void> {
  const before = await vivariumState(stack, vivariumId);
  expect(errorCodes(await request())).toEqual([code]);
  expect(await vivariumState(stack, vivariumId)).toEqual(before);
}

describe("inviting someone without an account", () => {
  it("mails a link; they register, verify their address, and join with the invited role, once", async () => {
    const { id } = await createVivarium(stack, host, { name: "Chameleon Corner" });
    const email = unique("newbie");
    const invitation = data(await invite(host, id, email.toUpperCase(), "HANDLER")).inviteVivariumMember;
    expect(invitation).toMatchObject({ email, role: "HANDLER", invitedBy: { id: host.id }, vivarium: { id } });
    const days = (Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(7, 3);

    const mail = await invitationMail(email);
    expect(mail.subject).toBe("You are invited to Chameleon Corner on ReptiDex");
    const token = tokenIn(mail, "/invitations/accept");
    // Only a hash of the token is kept.
    const stored = await withSql(stack, (sql) => sql`select token_hash from vivarium.vivarium_invitations where id = ${invitation.id}`);
    expect(stored[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]!.token_hash).not.toContain(token);
    // The event log keeps the announcement, not the token (it is confidential to identity's mailer).
    await stack.drainOutboxes();
    const loggedInvitation = () => withSql(stack, (sql) => sql`select payload::text as payload from telemetry.events where type = 'org.member.invited' and aggregate_id = ${id}`);
    await vi.waitFor(async () => expect(await loggedInvitation()).toHaveLength(1), { timeout: 5_000 });
    const logged = await loggedInvitation();
    expect(logged[0]!.payload).toContain(invitation.id);
    expect(logged[0]!.payload).not.toContain(token);
    // Nor does vivarium's own outbox, once the event went out.
    const queued = await withSql(stack, (sql) => sql`select payload::text as payload, published_at from vivarium.outbox where type = 'org.member.invited' and aggregate_id = ${id}`);
    expect(queued).toHaveLength(1);
    expect(queued[0]!.published_at).toBeInstanceOf(Date);
    expect(queued[0]!.payload).not.toContain(token);

    const listed = await graphql(stack.gatewayUrl, `query($v: ID!) { vivarium(id: $v) { invitations { id email role } } }`, { v: id }, host.auth);
    expect(data(listed).vivarium.invitations).toEqual([{ id: invitation.id, email, role: "HANDLER" }]);

    const invitee = await register(stack, "invitee", email);
    await untilInDirectory(stack, [invitee]);
    // Not before the address is verified: the token alone does not prove whose account this is.
    await expectRefused(id, "FORBIDDEN", () => accept(invitee, token));
    // Someone else holding the token gets nothing.
    const stranger = await registerVerified(unique("stranger"));
    await expectRefused(id, "BAD_USER_INPUT", () => accept(stranger, token));

    const verification = await smtp.waitFor((message) => message.to.includes(email) && /confirm your email/i.test(message.subject), 10_000);
    data(await graphql(stack.gatewayUrl, `mutation($t: String!) { verifyEmail(token: $t) }`, { t: tokenIn(verification, "/verify-email") }));
    await untilInDirectory(stack, [invitee], { verified: true });

    expect(data(await accept(invitee, token)).acceptVivariumInvitation).toEqual({ role: "HANDLER", user: { id: invitee.id, email }, invitedBy: { id: host.id } });
    const seen = await graphql(stack.gatewayUrl, `query($v: ID!) { vivarium(id: $v) { myRole } }`, { v: id }, invitee.auth);
    expect(data(seen).vivarium).toEqual({ myRole: "HANDLER" });
    await expectRefused(id, "BAD_USER_INPUT", () => accept(invitee, token));

    const after = await graphql(stack.gatewayUrl, `query($v: ID!) { vivarium(id: $v) { invitations { id } roleAudit(first: 1) { oldRole newRole reason changedBy { id } user { id } } } }`, { v: id }, host.auth);
    expect(data(after).vivarium).toEqual({
      invitations: [],
      roleAudit: [{ oldRole: null, newRole: "HANDLER", reason: "invitation accepted", changedBy: { id: host.id }, user: { id: invitee.id } }],
    });
    // identity mails an invitation once, even when the bus delivers its event again.
    await withSql(stack, (sql) => sql`update vivarium.outbox set published_at = null where type = 'org.member.invited' and aggregate_id = ${id}`);
    await stack.drainOutboxes();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.messages.filter((message) => message.to.includes(email) && /invited to/.test(message.subject))).toHaveLength(1);
  });
});

describe("inviting someone who has an account", () => {
  it("works with their verified address, whatever its case", async () => {
    const { id } = await createVivarium(stack, host);
    const member = await registerVerified(unique("member"));
    const after = smtp.messages.length;
    data(await invite(host, id, member.email, "CURATOR"));
    const token = tokenIn(await invitationMail(member.email, after), "/invitations/accept");
    expect(data(await accept(member, token)).acceptVivariumInvitation.role).toBe("CURATOR");
  });
});

describe("invitations that no longer work", () => {
  it("a revoked one; revoking is for those who may invite, up to their own role", async () => {
    const { id } = await createVivarium(stack, host);
    data(await addMember(stack, host, id, curator, "CURATOR"));
    data(await addMember(stack, host, id, keeper, "KEEPER"));
    const invitee = await registerVerified(unique("revoked"));
    const after = smtp.messages.length;
    const high = data(await invite(host, id, unique("future-owner"), "HERPETOLOGIST")).inviteVivariumMember;
    const low = data(await invite(host, id, invitee.email, "KEEPER")).inviteVivariumMember;
    const token = tokenIn(await invitationMail(invitee.email, after), "/invitations/accept");

    await expectRefused(id, "FORBIDDEN", () => graphql(stack.gatewayUrl, revokeMutation, { id: low.id }, keeper.auth));
    await expectRefused(id, "FORBIDDEN", () => graphql(stack.gatewayUrl, revokeMutation, { id: high.id }, curator.auth));
    // The invitee sees their invitation but is no member: revoking is not theirs to do.
    await expectRefused(id, "NOT_FOUND", () => graphql(stack.gatewayUrl, revokeMutation, { id: low.id }, invitee.auth));
    expect(data(await graphql(stack.gatewayUrl, revokeMutation, { id: low.id }, curator.auth))).toEqual({ revokeVivariumInvitation: true });
    await expectRefused(id, "NOT_FOUND", () => graphql(stack.gatewayUrl, revokeMutation, { id: low.id }, curator.auth));
    await expectRefused(id, "BAD_USER_INPUT", () => accept(invitee, token));
  });

  it("an expired one, one replaced by a newer invitation, and one whose inviter may no longer grant the role", async () => {
    const { id } = await createVivarium(stack, host);
    data(await addMember(stack, host, id, curator, "CURATOR"));
    const invitee = await registerVerified(unique("late"));

    let after = smtp.messages.length;
    const expiring = data(await invite(host, id, invitee.email)).inviteVivariumMember;
    const expiredToken = tokenIn(await invitationMail(invitee.email, after), "/invitations/accept");
    await withSql(stack, (sql) => sql`update vivarium.vivarium_invitations set expires_at = now() - interval '1 second' where id = ${expiring.id}`);
    await expectRefused(id, "BAD_USER_INPUT", () => accept(invitee, expiredToken));

    after = smtp.messages.length;
    data(await invite(host, id, invitee.email));
    const replacedToken = tokenIn(await invitationMail(invitee.email, after), "/invitations/accept");
    after = smtp.messages.length;
    data(await invite(curator, id, invitee.email, "CURATOR"));
    const curatorsToken = tokenIn(await invitationMail(invitee.email, after), "/invitations/accept");
    const listed = await graphql(stack.gatewayUrl, `query($v: ID!) { vivarium(id: $v) { invitations { email role } } }`, { v: id }, host.auth);
    expect(data(listed).vivarium.invitations).toEqual([{ email: invitee.email, role: "CURATOR" }]);
    await expectRefused(id, "BAD_USER_INPUT", () => accept(invitee, replacedToken));

    // The curator is demoted: their invitation to CURATOR is no longer theirs to give.
    data(await graphql(stack.gatewayUrl, `mutation($v: ID!, $u: ID!) { updateMemberRole(vivariumId: $v, userId: $u, role: KEEPER) { role } }`, { v: id, u: curator.id }, host.auth));
    await expectRefused(id, "BAD_USER_INPUT", () => accept(invitee, curatorsToken));
    await expectRefused(id, "BAD_USER_INPUT", () => accept(invitee, "not-a-token"));
    await expectRefused(id, "BAD_USER_INPUT", () => accept(invitee, "x".repeat(500)));
  });

  it("one of a vivarium deleted since", async () => {
    const { id } = await createVivarium(stack, host);
    const invitee = await registerVerified(unique("too-late"));
    const after = smtp.messages.length;
    data(await invite(host, id, invitee.email));
    const token = tokenIn(await invitationMail(invitee.email, after), "/invitations/accept");
    data(await graphql(stack.gatewayUrl, `mutation($v: ID!) { deleteVivarium(id: $v) }`, { v: id }, host.auth));
    await expectRefused(id, "BAD_USER_INPUT", () => accept(invitee, token));
  });

  it("inviting someone already a member is a CONFLICT; a malformed address BAD_USER_INPUT", async () => {
    const { id } = await createVivarium(stack, host);
    data(await addMember(stack, host, id, keeper, "KEEPER"));
    await expectRefused(id, "CONFLICT", () => invite(host, id, keeper.email));
    await expectRefused(id, "BAD_USER_INPUT", () => invite(host, id, "not an address"));
  });
});
