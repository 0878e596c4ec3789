import type { BackoffRule, RateLimitRule } from "@repti/kit";

/**
 * Limits on the endpoints that take credentials. Per IP they slow down spraying; per account they slow down
 * guessing one password, with a block that doubles after each further failure and always ends (no
 * permanent lockout an attacker could use against the real user).
 */
export const authLimits = {
  loginPerIp: { name: "login-ip", points: 30, durationSeconds: 60 },
  registerPerIp: { name: "register-ip", points: 10, durationSeconds: 3600 },
  refreshPerIp: { name: "refresh-ip", points: 120, durationSeconds: 60 },
  passwordResetPerIp: { name: "reset-ip", points: 10, durationSeconds: 3600 },
  passwordResetPerAccount: { name: "reset-account", points: 3, durationSeconds: 3600 },
  tokenPerClient: { name: "token-client", points: 60, durationSeconds: 60 },
  /** Token and introspection requests from one address; generous, services call from few addresses. */
  oauthPerIp: { name: "oauth-ip", points: 600, durationSeconds: 60 },
  /** Wrong codes when confirming or turning off two-factor, per user. */
  mfaCodeFailuresPerUser: { name: "mfa-code-failures", freeFailures: 5, baseBlockSeconds: 2, maxBlockSeconds: 900, windowSeconds: 3600 },
  loginFailuresPerAccount: { name: "login-failures", freeFailures: 5, baseBlockSeconds: 2, maxBlockSeconds: 900, windowSeconds: 3600 },
} satisfies Record<string, RateLimitRule | BackoffRule>;
