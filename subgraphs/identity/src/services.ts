import { hkdfSync } from "node:crypto";
import { Redis } from "ioredis";
import { createRateLimiter, loadConfig, type SubgraphDeps } from "@repti/kit";
import { AccountService } from "./accounts/account.service.js";
import { ApiKeyService } from "./api-keys/api-key.service.js";
import { ApiKeyStore } from "./api-keys/api-key.store.js";
import { ApiKeyUsage } from "./api-keys/api-key.usage.js";
import type { IdentityProcessServices } from "./context.js";
import type { IdentityTables } from "./db/schema.js";
import { EmailTokenService } from "./email-tokens/email-token.service.js";
import { EmailTokenStore } from "./email-tokens/email-token.store.js";
import { AccessTokenService } from "./keys/access-token.service.js";
import { SigningKeyService } from "./keys/signing-key.service.js";
import { SigningKeyStore } from "./keys/signing-key.store.js";
import { MailStore } from "./mail/mail.store.js";
import { createMailTransport, MailRelay } from "./mail/mailer.js";
import { MfaService } from "./mfa/mfa.service.js";
import { OAuthService } from "./oauth/oauth.service.js";
import { RecoveryCodeStore } from "./mfa/recovery-code.store.js";
import { PasswordHasher } from "./passwords/password-hasher.js";
import { PasswordPolicy } from "./passwords/password-policy.js";
import { SecretBox } from "./secrets/secret-box.js";
import { SessionService } from "./sessions/session.service.js";
import { SessionStore } from "./sessions/session.store.js";
import { identityEnv } from "./settings.js";
import { InvitationMailer } from "./mail/invitation-mail.js";
import { UserAdminService } from "./users/user-admin.service.js";
import { UserService } from "./users/user.service.js";
import { UserStore } from "./users/user.store.js";

/** Longest password accepted: far above NIST's 64, bounded so a request cannot make hashing arbitrarily slow. */
const passwordMaxLength = 256;
/** Lifetime of the access tokens API keys are exchanged for (client credentials). */
const apiKeyTokenTtlSeconds = 300;

/** Wires identity's slices: one place that reads identity's settings and builds every service. */
export function createIdentityServices(deps: SubgraphDeps<IdentityTables>): IdentityProcessServices {
  const { db, outbox, log, config, revocations } = deps;
  const settings = loadConfig(identityEnv, deps.env);
  if (!settings.IDENTITY_ENCRYPTION_KEY && settings.NODE_ENV === "production") {
    throw new Error("IDENTITY_ENCRYPTION_KEY is required in production (32 random bytes, base64)");
  }
  if (!settings.SMTP_URL && settings.NODE_ENV === "production") {
    throw new Error("SMTP_URL is required in production: without it mail is only logged, links and all");
  }
  if (!settings.IDENTITY_ENCRYPTION_KEY) log.warn("IDENTITY_ENCRYPTION_KEY unset: using the fixed development key");
  const encryptionKey = settings.IDENTITY_ENCRYPTION_KEY ?? SecretBox.deriveDevelopmentKey();
  const box = new SecretBox(encryptionKey);
  // Purpose-bound secrets derived from the one configured key, so none is reused for two jobs.
  const derivedSecret = (purpose: string) => Buffer.from(hkdfSync("sha256", Buffer.from(encryptionKey, "base64"), "repti-core", purpose, 32));
  const refreshSecret = derivedSecret("refresh-token-child");

  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, connectionName: `${config.BUS_PREFIX}:identity-limits` }) : undefined;
  redis?.on("error", (error: Error) => log.warn({ err: error }, "redis rate-limit connection error"));
  const limiter = createRateLimiter({ prefix: `${config.BUS_PREFIX}:identity`, ...(redis ? { redis } : {}) });

  const userStore = new UserStore(db);
  const keys = new SigningKeyService(new SigningKeyStore(db), box, {
    rotationSeconds: settings.SIGNING_KEY_ROTATION_SECONDS,
    tokenLifetimeSeconds: Math.max(settings.ACCESS_TOKEN_TTL_SECONDS, 3600),
  }, log);
  const tokens = new AccessTokenService(keys, {
    issuer: settings.AUTH_ISSUER,
    audience: settings.AUTH_AUDIENCE,
    ttlSeconds: settings.ACCESS_TOKEN_TTL_SECONDS,
  });
  const sessions = new SessionService(new SessionStore(db), outbox, revocations, {
    refreshTokenTtlSeconds: settings.REFRESH_TOKEN_TTL_SECONDS,
    reuseGraceSeconds: settings.REFRESH_TOKEN_REUSE_GRACE_SECONDS,
    accessTokenTtlSeconds: settings.ACCESS_TOKEN_TTL_SECONDS,
    refreshSecret,
    recentSignInSeconds: settings.RECENT_SIGN_IN_SECONDS,
  });
  const mailStore = new MailStore(db);
  const emailTokens = new EmailTokenService(new EmailTokenStore(), mailStore, {
    appUrl: settings.APP_URL,
    verificationTtlSeconds: 24 * 3600,
    resetTtlSeconds: 30 * 60,
  });
  const mfa = new MfaService({
    users: userStore,
    recoveryCodes: new RecoveryCodeStore(db),
    sessions,
    limiter,
    box,
    outbox,
    recoveryCodeKey: derivedSecret("recovery-code"),
  });
  const accounts = new AccountService({
    users: userStore,
    sessions,
    tokens,
    policy: new PasswordPolicy({ minLength: settings.PASSWORD_MIN_LENGTH, maxLength: passwordMaxLength }),
    hasher: new PasswordHasher(),
    limiter,
    log,
    outbox,
    mfa,
    emailTokens,
  });
  const apiKeyUsage = new ApiKeyUsage(new ApiKeyStore(db), log);
  const apiKeys = new ApiKeyService({
    store: new ApiKeyStore(db),
    users: userStore,
    revocations,
    outbox,
    usage: apiKeyUsage,
    policy: { tokenTtlSeconds: apiKeyTokenTtlSeconds },
  });
  const oauth = new OAuthService({
    apiKeys,
    tokens,
    inspect: tokens.inspector(revocations),
    limiter,
    settings: { issuer: settings.AUTH_ISSUER, audience: settings.AUTH_AUDIENCE, tokenTtlSeconds: apiKeyTokenTtlSeconds },
  });
  const mailRelay = new MailRelay({
    store: mailStore,
    transport: createMailTransport({ smtpUrl: settings.SMTP_URL, from: settings.MAIL_FROM, log }),
    log,
    pollMs: config.OUTBOX_POLL_MS,
  });

  return {
    users: new UserService(userStore, outbox),
    userAdmin: new UserAdminService({ users: userStore, sessions, apiKeys, outbox }),
    invitationMail: new InvitationMailer({ db, mail: mailStore, appUrl: settings.APP_URL, log }),
    accounts,
    sessions,
    mfa,
    keys,
    tokens,
    mailRelay,
    apiKeys,
    apiKeyUsage,
    oauth,
    issuer: settings.AUTH_ISSUER,
    async close() {
      await apiKeyUsage.stop();
      await mailRelay.stop();
      await limiter.close();
      await redis?.quit().catch(() => {});
    },
  };
}
