import { DomainError, requireUser, type AuthContext, type Outbox } from "@repti/kit";
import type { SecretBox } from "../secrets/secret-box.js";
import type { UserRecord, UserStore } from "../users/user.store.js";
import { generateRecoveryCodes, hashRecoveryCode } from "./recovery-codes.js";
import type { RecoveryCodeStore } from "./recovery-code.store.js";
import { matchTotp, newTotpSecret, totpUri } from "./totp.js";

export interface TotpEnrollmentRecord {
  secret: string;
  otpauthUri: string;
}

const sixDigits = /^\d{6}$/;

/** TOTP second factor (RFC 6238) with single-use recovery codes. */
export class MfaService {
  constructor(
    private readonly users: UserStore,
    private readonly recoveryCodes: RecoveryCodeStore,
    private readonly box: SecretBox,
    private readonly outbox: Outbox,
    /** Server secret keying the stored form of recovery codes. */
    private readonly recoveryCodeKey: Buffer,
    private readonly issuer = "ReptiDex",
  ) {}

  private async currentUser(auth: AuthContext): Promise<UserRecord> {
    const { userId } = requireUser(auth);
    const [user] = await this.users.findByIds([userId]);
    if (!user) throw new DomainError("UNAUTHENTICATED", "Sign in first");
    return user;
  }

  /** Starts (or restarts) enrolment: a new secret, not yet required at login until confirmed. */
  async enroll(auth: AuthContext): Promise<TotpEnrollmentRecord> {
    const user = await this.currentUser(auth);
    if (user.mfaEnabled) throw new DomainError("CONFLICT", "Two-factor authentication is already on; disable it first");
    const secret = newTotpSecret();
    await this.users.transaction((tx) => this.users.update(tx, user.id, { totpSecretEncrypted: this.box.seal(secret), totpLastStep: null }));
    return { secret, otpauthUri: totpUri(secret, user.email, this.issuer) };
  }

  /** Turns MFA on with a first valid code; answers the ten recovery codes, shown this once. */
  async confirm(auth: AuthContext, code: string): Promise<string[]> {
    const user = await this.currentUser(auth);
    if (user.mfaEnabled) throw new DomainError("CONFLICT", "Two-factor authentication is already on");
    if (!user.totpSecretEncrypted) throw new DomainError("BAD_USER_INPUT", "Start enrolment first (enrollTotp)");
    const step = matchTotp(this.box.open(user.totpSecretEncrypted), code, Date.now(), user.totpLastStep);
    if (step === null) throw new DomainError("BAD_USER_INPUT", "Invalid code", { field: "code" });
    const codes = generateRecoveryCodes();
    await this.users.transaction(async (tx) => {
      await this.users.update(tx, user.id, { mfaEnabled: true, totpLastStep: step });
      await this.recoveryCodes.replace(tx, user.id, codes.map((recoveryCode) => hashRecoveryCode(recoveryCode, this.recoveryCodeKey)));
      await this.outbox.enqueue(tx, { type: "auth.user.updated", aggregateId: user.id, payload: { userId: user.id, changed: ["mfaEnabled"] } });
    });
    return codes;
  }

  async disable(auth: AuthContext, code: string): Promise<void> {
    const user = await this.currentUser(auth);
    if (!user.mfaEnabled) throw new DomainError("BAD_USER_INPUT", "Two-factor authentication is not on");
    if (!(await this.acceptLoginCode(user, code))) throw new DomainError("BAD_USER_INPUT", "Invalid code", { field: "code" });
    await this.users.transaction(async (tx) => {
      await this.users.update(tx, user.id, { mfaEnabled: false, totpSecretEncrypted: null, totpLastStep: null });
      await this.recoveryCodes.replace(tx, user.id, []);
      await this.outbox.enqueue(tx, { type: "auth.user.updated", aggregateId: user.id, payload: { userId: user.id, changed: ["mfaEnabled"] } });
    });
  }

  /** A TOTP code (each step usable once) or an unused recovery code. */
  async acceptLoginCode(user: UserRecord, code: string): Promise<boolean> {
    const trimmed = code.replace(/\s/g, "");
    if (sixDigits.test(trimmed)) {
      if (!user.totpSecretEncrypted) return false;
      const step = matchTotp(this.box.open(user.totpSecretEncrypted), trimmed, Date.now(), user.totpLastStep);
      return step !== null && (await this.users.advanceTotpStep(user.id, step));
    }
    return this.recoveryCodes.consume(user.id, hashRecoveryCode(code, this.recoveryCodeKey));
  }
}
