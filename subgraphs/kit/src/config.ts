import ipaddr from "ipaddr.js";
import { z } from "zod";

const proxyPresets = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * Which peers may set X-Forwarded-For: `none`, or a comma-separated list of addresses, CIDR ranges and
 * Express's presets (loopback, linklocal, uniquelocal). A trusted peer decides the client address that
 * per-IP limits count on, so nothing is trusted that was not named.
 */
const trustedProxies = z
  .string()
  .transform((value) => (value.trim() === "none" ? [] : value.split(",").map((entry) => entry.trim()).filter(Boolean)))
  .refine((entries) => entries.every((entry) => proxyPresets.has(entry) || ipaddr.isValid(entry) || isCidr(entry)), {
    message: "expected none, or addresses, CIDR ranges and loopback/linklocal/uniquelocal separated by commas",
  });

function isCidr(entry: string): boolean {
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}

/** Settings every process of repti-core reads from its environment. */
export const baseEnv = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HOST: z.string().default("0.0.0.0"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Channel/stream prefix on the bus, so several stacks (or test files) can share one Redis. */
  BUS_PREFIX: z.string().regex(/^[a-z0-9:_-]*$/i).default("repti"),
  /** Identity's key set; without it no access token is accepted and every caller is anonymous. */
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ISSUER: z.string().min(1).default("http://localhost:4000"),
  AUTH_AUDIENCE: z.string().min(1).default("repti-core"),
  /** Unset: the gateway trusts no proxy, subgraphs trust loopback (a gateway on the same host). */
  TRUST_PROXY: trustedProxies.optional(),
});

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });
const booleanFlag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

function subgraphSettings(defaultPort: number) {
  return baseEnv.extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
    DATABASE_URL: postgresUrl,
    /**
     * From `<NAME>_REQUEST_DATABASE_URL`: a least-privileged login (no BYPASSRLS, not the tables' owner) for the work a
     * subgraph does under row-level security for its callers; DATABASE_URL keeps migrations and platform work.
     * Unset: DATABASE_URL for both.
     */
    REQUEST_DATABASE_URL: postgresUrl.optional(),
    DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    MIGRATE_ON_START: booleanFlag.default(true),
    SEED_DEMO_DATA: booleanFlag.default(false),
    OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  });
}

/**
 * Settings of one subgraph process; `<NAME>_DATABASE_URL` points one subgraph at a database of its own, and
 * `<NAME>_REQUEST_DATABASE_URL` gives it its own least-privileged login for request work.
 */
export function subgraphEnv(name: string, defaultPort: number) {
  const prefix = name.toUpperCase();
  return z.preprocess((input) => {
    const env = { ...(input as Record<string, string | undefined>) };
    if (env[`${prefix}_DATABASE_URL`]) env.DATABASE_URL = env[`${prefix}_DATABASE_URL`];
    // Only ever the subgraph's own: a request login is made for one subgraph's row-level security.
    env.REQUEST_DATABASE_URL = env[`${prefix}_REQUEST_DATABASE_URL`];
    return env;
  }, subgraphSettings(defaultPort));
}

export type SubgraphConfig = z.output<ReturnType<typeof subgraphSettings>>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the environment against a schema, or throws one readable message listing every bad variable,
 * so a misconfigured process fails at start instead of at its first request.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const variable = issue.path.join(".") || "(environment)";
    return `  ${variable}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
}
