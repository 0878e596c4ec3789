import type { RequestContext } from "@repti/kit";
import type { AccountService } from "./accounts/account.service.js";
import type { ApiKeyService } from "./api-keys/api-key.service.js";
import type { ApiKeyUsage } from "./api-keys/api-key.usage.js";
import type { AccessTokenService } from "./keys/access-token.service.js";
import type { SigningKeyService } from "./keys/signing-key.service.js";
import type { InvitationMailer } from "./mail/invitation-mail.js";
import type { MailRelay } from "./mail/mailer.js";
import type { MfaService } from "./mfa/mfa.service.js";
import type { OAuthService } from "./oauth/oauth.service.js";
import type { SessionService } from "./sessions/session.service.js";
import type { UserAdminService } from "./users/user-admin.service.js";
import type { UserLoader, UserService } from "./users/user.service.js";

/** identity's services, built once per process by `createIdentityServices`. */
export interface IdentityProcessServices {
  users: UserService;
  userAdmin: UserAdminService;
  accounts: AccountService;
  sessions: SessionService;
  mfa: MfaService;
  keys: SigningKeyService;
  tokens: AccessTokenService;
  mailRelay: MailRelay;
  /** Queues the mails of vivarium's invitations; followed with the workers. */
  invitationMail: InvitationMailer;
  apiKeys: ApiKeyService;
  /** Batched `last_used_at` stamps; started with the workers, flushed at close. */
  apiKeyUsage: ApiKeyUsage;
  oauth: OAuthService;
  issuer: string;
  close(): Promise<void>;
}

/** What one request works with: the process services plus its own user loader. */
export interface IdentityServices extends IdentityProcessServices {
  userLoader: UserLoader;
}

export type IdentityContext = RequestContext<IdentityServices>;
