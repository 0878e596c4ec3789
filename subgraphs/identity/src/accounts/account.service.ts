import { clientAddressKey, DomainError, isEmailAddress, loggableError, normalizeEmail, requireUser, type Logger, type AuthContext, type Outbox, type PlatformRole, type RateLimiter } from "@repti/kit";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { PasswordPolicy } from "../passwords/password-policy.js";
import type { AccessTokenService } from "../keys/access-token.service.js";
import type { ClientInfo, SessionService } from "../sessions/session.service.js";
import type { UserRecord, UserStore } from "../users/user.store.js";
import type { MfaService } from "../mfa/mfa.service.js";
import type { EmailTokenService } from "../email-tokens/email-token.service.js";
import { authLimits } from "./auth-limits.js";

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: UserRecord;
}

export interface RegisterInput {
  email: string;
  password: string;
  firstName?: string | null;
  lastName?: string | null;
}

export interface LoginInput {
  email: string;
  password: string;
  totpCode?: string | null;
}

const invalidCredentials = () => new DomainError("UNAUTHENTICATED", "Invalid email or password");


/**
 * Registration, sign-in and password changes. Rate limits run before any hash is computed; an unknown
 * email costs the same hash as a wrong password and gets the same answer.
 */
export class AccountService {
  constructor(
    private readonly deps: {
      users: UserStore;
      sessions: SessionService;
      tokens: AccessTokenService;
      policy: PasswordPolicy;
      hasher: PasswordHasher;
      limiter: RateLimiter;
      log: Logger;
      outbox: Outbox;
      mfa: MfaService;
      emailTokens: EmailTokenService;
    },
  ) {}

  private async issue(user: UserRecord, sessionId: string, refreshToken: string): Promise<AuthResult> {
    const { accessToken, expiresIn } = await this.deps.tokens.forSession({ id: user.id, platformRole: user.platformRole as PlatformRole }, sessionId);
    return { accessToken, refreshToken, expiresIn, user };
  }

  async register(input: RegisterInput, client: ClientInfo): Promise<AuthResult> {
    const { users, policy, hasher, limiter, outbox, sessions, emailTokens } = this.deps;
    await limiter.consume(authLimits.registerPerIp, clientAddressKey(client.ipAddress));
    const email = normalizeEmail(input.email);
    policy.check(input.password, { email, firstName: input.firstName ?? null, lastName: input.lastName ?? null });
    const passwordHash = await hasher.hash(input.password);
    const { user, session, refreshToken } = await users.transaction(async (tx) => {
      const created = await users.insert(tx, {
        email,
        passwordHash,
        firstName: input.firstName?.trim() || null,
        lastName: input.lastName?.trim() || null,
        passwordChangedAt: new Date(),
      });
      if (!created) throw new DomainError("CONFLICT", "An account with this email already exists", { field: "email" });
      await outbox.enqueue(tx, { type: "auth.user.created", aggregateId: created.id, payload: { userId: created.id, email, emailVerified: false } });
      await emailTokens.sendVerification(tx, created);
      const started = await sessions.start(tx, created.id, client);
      return { user: created, ...started };
    });
    return this.issue(user, session.id, refreshToken);
  }

  async login(input: LoginInput, client: ClientInfo): Promise<AuthResult> {
    const { users, hasher, limiter, sessions, mfa } = this.deps;
    const email = input.email.trim().toLowerCase();
    // Limits first: a blocked caller never costs a hash, and one account's password is checked once at a time.
    await limiter.consume(authLimits.loginPerIp, clientAddressKey(client.ipAddress));
    const user = await limiter.guardedAttempt(authLimits.loginFailuresPerAccount, email, async () => {
      const found = isEmailAddress(email) ? await users.findByEmail(email) : undefined;
      const valid = found?.passwordHash ? await hasher.verify(found.passwordHash, input.password) : await hasher.verifyAgainstDummy(input.password);
      if (!found || !valid || !found.isActive) {
        await limiter.registerFailure(authLimits.loginFailuresPerAccount, email);
        throw invalidCredentials();
      }
      if (found.mfaEnabled) {
        if (!input.totpCode) throw new DomainError("MFA_REQUIRED", "Enter the code from your authenticator app, or a recovery code");
        if (!(await mfa.acceptLoginCode(found, input.totpCode))) {
          await limiter.registerFailure(authLimits.loginFailuresPerAccount, email);
          throw new DomainError("UNAUTHENTICATED", "Invalid authentication code");
        }
      }
      await limiter.reset(authLimits.loginFailuresPerAccount, email);
      return found;
    });
    if (hasher.needsRehash(user.passwordHash!)) {
      const upgraded = await hasher.hash(input.password);
      await users.transaction((tx) => users.update(tx, user.id, { passwordHash: upgraded }));
    }
    const { session, refreshToken } = await users.transaction((tx) => sessions.start(tx, user.id, client));
    return this.issue(user, session.id, refreshToken);
  }

  async refresh(presented: string, client: ClientInfo): Promise<AuthResult> {
    await this.deps.limiter.consume(authLimits.refreshPerIp, clientAddressKey(client.ipAddress));
    const { session, refreshToken } = await this.deps.sessions.refresh(presented, client);
    const [user] = await this.deps.users.findByIds([session.userId]);
    if (!user || !user.isActive) throw new DomainError("UNAUTHENTICATED", "Refresh token is invalid, expired or revoked");
    return this.issue(user, session.id, refreshToken);
  }

  /** Changes the password and ends every other session of the user (the current one stays signed in). */
  async changePassword(auth: AuthContext, currentPassword: string, newPassword: string): Promise<void> {
    const { userId, sessionId } = requireUser(auth);
    const { users, hasher, policy, limiter, sessions, outbox, emailTokens } = this.deps;
    const user = await limiter.guardedAttempt(authLimits.loginFailuresPerAccount, userId, async () => {
      const [found] = await users.findByIds([userId]);
      if (!found?.passwordHash || !(await hasher.verify(found.passwordHash, currentPassword))) {
        await limiter.registerFailure(authLimits.loginFailuresPerAccount, userId);
        throw new DomainError("UNAUTHENTICATED", "Current password is wrong", { field: "currentPassword" });
      }
      return found;
    });
    policy.check(newPassword, { email: user.email, firstName: user.firstName, lastName: user.lastName });
    const passwordHash = await hasher.hash(newPassword);
    const now = new Date();
    await users.transaction(async (tx) => {
      await users.update(tx, user.id, { passwordHash, passwordChangedAt: now });
      await sessions.endSessions(tx, { userId, exceptSessionId: sessionId }, "password_changed", userId, now);
      await outbox.enqueue(tx, { type: "auth.password.changed", aggregateId: userId, payload: { userId, reason: "change" } });
      await emailTokens.notifyPasswordChanged(tx, user);
      // A reset link mailed before the change must not undo it.
      await emailTokens.retireResetLinks(tx, userId);
    });
  }

  /**
   * Always true, answered before the email is even looked up: whether it has an account shows neither in the
   * answer nor in its timing. The lookup, the per-account limit and the mail happen after the answer.
   */
  async requestPasswordReset(rawEmail: string, client: ClientInfo): Promise<true> {
    await this.deps.limiter.consume(authLimits.passwordResetPerIp, clientAddressKey(client.ipAddress));
    const email = rawEmail.trim().toLowerCase();
    if (isEmailAddress(email)) {
      this.sendPasswordReset(email).catch((error: unknown) => this.deps.log.error({ err: loggableError(error) }, "password reset mail not queued"));
    }
    return true;
  }

  private async sendPasswordReset(email: string): Promise<void> {
    const { users, limiter, emailTokens } = this.deps;
    const user = await users.findByEmail(email);
    if (!user?.isActive) return;
    // Per account quietly: an exhausted limit sends nothing more.
    const allowed = await limiter.consume(authLimits.passwordResetPerAccount, user.id).then(
      () => true,
      (error: unknown) => {
        if (error instanceof DomainError && error.code === "RATE_LIMITED") return false;
        throw error;
      },
    );
    if (allowed) await users.transaction((tx) => emailTokens.sendPasswordReset(tx, user));
  }

  /** Sets a new password from a reset link and ends every session of the user. */
  async resetPassword(token: string, newPassword: string): Promise<void> {
    const { users, hasher, policy, sessions, outbox, emailTokens, limiter } = this.deps;
    await users.transaction(async (tx) => {
      const userId = await emailTokens.consume(tx, token, "reset_password");
      const [user] = await users.findByIds([userId]);
      if (!user) throw new DomainError("BAD_USER_INPUT", "This link is invalid, already used or expired", { field: "token" });
      policy.check(newPassword, { email: user.email, firstName: user.firstName, lastName: user.lastName });
      const now = new Date();
      await users.update(tx, userId, { passwordHash: await hasher.hash(newPassword), passwordChangedAt: now });
      await sessions.endSessions(tx, { userId }, "password_reset", userId, now);
      await outbox.enqueue(tx, { type: "auth.password.changed", aggregateId: userId, payload: { userId, reason: "reset" } });
      await emailTokens.notifyPasswordChanged(tx, user);
      await limiter.reset(authLimits.loginFailuresPerAccount, user.email);
    });
  }

  async requestEmailVerification(auth: AuthContext): Promise<true> {
    const { userId } = requireUser(auth);
    const { users, limiter, emailTokens } = this.deps;
    await limiter.consume(authLimits.passwordResetPerAccount, `verify:${userId}`);
    const [user] = await users.findByIds([userId]);
    if (user && !user.emailVerifiedAt) await users.transaction((tx) => emailTokens.sendVerification(tx, user));
    return true;
  }

  async verifyEmail(token: string): Promise<void> {
    const { users, outbox, emailTokens } = this.deps;
    await users.transaction(async (tx) => {
      const userId = await emailTokens.consume(tx, token, "verify_email");
      await users.update(tx, userId, { emailVerifiedAt: new Date() });
      await outbox.enqueue(tx, { type: "auth.user.updated", aggregateId: userId, payload: { userId, changed: ["emailVerified"] } });
    });
  }
}
