import { z } from "zod";

const seconds = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** identity's own settings, on top of every subgraph's. */
export const identityEnv = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  /** 32 bytes, base64: encrypts private signing keys and TOTP secrets at rest. Required in production. */
  IDENTITY_ENCRYPTION_KEY: z.string().optional(),
  AUTH_ISSUER: z.string().min(1).default("http://localhost:4000"),
  AUTH_AUDIENCE: z.string().min(1).default("repti-core"),
  /** Where the web app lives; links in mails point there. */
  APP_URL: z.url().default("http://localhost:3000"),
  ACCESS_TOKEN_TTL_SECONDS: seconds(900, 3600),
  REFRESH_TOKEN_TTL_SECONDS: seconds(30 * 24 * 3600, 365 * 24 * 3600),
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(120).default(10),
  SIGNING_KEY_ROTATION_SECONDS: seconds(30 * 24 * 3600, 365 * 24 * 3600),
  /** Two-factor changes need a password sign-in at most this long ago. */
  RECENT_SIGN_IN_SECONDS: seconds(900, 24 * 3600),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(15),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default("ReptiDex <no-reply@reptidex.dev>"),
});

export type IdentitySettings = z.output<typeof identityEnv>;
