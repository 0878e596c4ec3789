import { DomainError, requireUser, type AuthContext, type Outbox, type RateLimiter } from "@repti/kit";
import { authLimits } from "../accounts/auth-limits.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { SessionService } from "../sessions/session.service.js";
import type { UserRecord, UserStore } from "../users/user.store.js";
import { generateRecoveryCodes, hashRecoveryCode } from "./recovery-codes.js";
import type { RecoveryCodeStore } from "./recovery-code.store.js";
import { matchTotp, newTotpSecret, totpUri } from "./totp.js";

export interface TotpEnrollmentRecord {
  secret: string;
  otpauthUri: string;
}

const sixDigits = /^\d{6}$/;

/**
 * TOTP second factor (RFC 6238) with single-use recovery codes. Enrolling, confirming and turning it off need a
 * recent password sign-in (a stolen token alone must not add an attacker's authenticator or remove the
 * owner's), and wrong codes count towards a per-user backoff, one check at a time.
 */
export class MfaService {
  constructor(
    private readonly deps: {
      users: UserStore;
      recoveryCodes: RecoveryCodeStore;
      sessions: SessionService;
      limiter: RateLimiter;
      box: SecretBox;
      outbox: Outbox;
      /** Server secret keying the stored form of recovery codes. */
      recoveryCodeKey: Buffer;
      issuer?: string;
    },
  ) {}

  /** The signed-in user, after checking that they entered their password recently. */
  private async recentlySignedInUser(auth: AuthContext): Promise<UserRecord> {
    const { userId, sessionId } = requireUser(auth);
    await this.deps.sessions.assertRecentSignIn(sessionId);
    const [user] = await this.deps.users.findByIds([userId]);
    if (!user) throw new DomainError("UNAUTHENTICATED", "Sign in first");
    return user;
  }

  /** Runs a code check under the user's backoff; `check` answers what the right code yields, null for a wrong one. */
  private async checkCode<T>(user: UserRecord, check: () => Promise<T | null>): Promise<T> {
    const { limiter } = this.deps;
    return limiter.guardedAttempt(authLimits.mfaCodeFailuresPerUser, user.id, async () => {
      const accepted = await check();
      if (accepted === null) {
        await limiter.registerFailure(authLimits.mfaCodeFailuresPerUser, user.id);
        throw new DomainError("BAD_USER_INPUT", "Invalid code", { field: "code" });
      }
      await limiter.reset(authLimits.mfaCodeFailuresPerUser, user.id);
      return accepted;
    });
  }

  /** Starts (or restarts) enrolment: a new secret, not yet required at login until confirmed. */
  async enroll(auth: AuthContext): Promise<TotpEnrollmentRecord> {
    const { users, box, issuer = "ReptiDex" } = this.deps;
    const user = await this.recentlySignedInUser(auth);
    if (user.mfaEnabled) throw new DomainError("CONFLICT", "Two-factor authentication is already on; disable it first");
    const secret = newTotpSecret();
    await users.transaction((tx) => users.update(tx, user.id, { totpSecretEncrypted: box.seal(secret), totpLastStep: null }));
    return { secret, otpauthUri: totpUri(secret, user.email, issuer) };
  }

  /** Turns MFA on with a first valid code; answers the ten recovery codes, shown this once. */
  async confirm(auth: AuthContext, code: string): Promise<string[]> {
    const { users, recoveryCodes, box, outbox, recoveryCodeKey } = this.deps;
    const user = await this.recentlySignedInUser(auth);
    if (user.mfaEnabled) throw new DomainError("CONFLICT", "Two-factor authentication is already on");
    const sealed = user.totpSecretEncrypted;
    if (!sealed) throw new DomainError("BAD_USER_INPUT", "Start enrolment first (enrollTotp)");
    const step = await this.checkCode(user, async () => matchTotp(box.open(sealed), code, Date.now(), user.totpLastStep));
    const codes = generateRecoveryCodes();
    await users.transaction(async (tx) => {
      await users.update(tx, user.id, { mfaEnabled: true, totpLastStep: step });
      await recoveryCodes.replace(tx, user.id, codes.map((recoveryCode) => hashRecoveryCode(recoveryCode, recoveryCodeKey)));
      await outbox.enqueue(tx, { type: "auth.user.updated", aggregateId: user.id, payload: { userId: user.id, changed: ["mfaEnabled"] } });
    });
    return codes;
  }

  async disable(auth: AuthContext, code: string): Promise<void> {
    const { users, recoveryCodes, outbox } = this.deps;
    const user = await this.recentlySignedInUser(auth);
    if (!user.mfaEnabled) throw new DomainError("BAD_USER_INPUT", "Two-factor authentication is not on");
    await this.checkCode(user, async () => ((await this.acceptLoginCode(user, code)) ? true : null));
    await users.transaction(async (tx) => {
      await users.update(tx, user.id, { mfaEnabled: false, totpSecretEncrypted: null, totpLastStep: null });
      await recoveryCodes.replace(tx, user.id, []);
      await outbox.enqueue(tx, { type: "auth.user.updated", aggregateId: user.id, payload: { userId: user.id, changed: ["mfaEnabled"] } });
    });
  }

  /** A TOTP code (each step usable once) or an unused recovery code. */
  async acceptLoginCode(user: UserRecord, code: string): Promise<boolean> {
    const trimmed = code.replace(/\s/g, "");
    if (sixDigits.test(trimmed)) {
      if (!user.totpSecretEncrypted) return false;
      const step = matchTotp(this.deps.box.open(user.totpSecretEncrypted), trimmed, Date.now(), user.totpLastStep);
      return step !== null && (await this.deps.users.advanceTotpStep(user.id, step));
    }
    return this.deps.recoveryCodes.consume(user.id, hashRecoveryCode(code, this.deps.recoveryCodeKey));
  }
}
