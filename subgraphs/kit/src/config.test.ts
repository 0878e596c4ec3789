import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, subgraphEnv } from "./config.js";

describe("subgraph configuration", () => {
  it("fails fast with one message naming every bad variable", () => {
    const attempt = () =>
      loadConfig(subgraphEnv("identity", 4001), { DATABASE_URL: "mysql://nope", PORT: "eighty", DB_POOL_MAX: "0", REDIS_URL: "http://x" });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const variable of ["DATABASE_URL", "PORT", "DB_POOL_MAX", "REDIS_URL"]) expect(message).toContain(`  ${variable}:`);
    }
  });

  it("requires a database", () => {
    expect(() => loadConfig(subgraphEnv("vivarium", 4002), {})).toThrow(/DATABASE_URL/);
  });

  it("applies defaults and lets <NAME>_DATABASE_URL give one subgraph its own database", () => {
    const config = loadConfig(subgraphEnv("billing", 4004), {
      DATABASE_URL: "postgres://shared/repti",
      BILLING_DATABASE_URL: "postgres://billing-db/billing",
      MIGRATE_ON_START: "false",
    });
    expect(config).toMatchObject({
      PORT: 4004,
      DATABASE_URL: "postgres://billing-db/billing",
      DB_POOL_MAX: 10,
      MIGRATE_ON_START: false,
      SEED_DEMO_DATA: false,
      NODE_ENV: "development",
    });
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.REQUEST_DATABASE_URL).toBeUndefined();
  });

  it("reads a subgraph's request login from <NAME>_REQUEST_DATABASE_URL, for that subgraph only", () => {
    const env = { DATABASE_URL: "postgres://owner@db/repti", VIVARIUM_REQUEST_DATABASE_URL: "postgres://requests@db/repti" };
    expect(loadConfig(subgraphEnv("vivarium", 4002), env).REQUEST_DATABASE_URL).toBe("postgres://requests@db/repti");
    expect(loadConfig(subgraphEnv("billing", 4004), env).REQUEST_DATABASE_URL).toBeUndefined();
    // An unprefixed one would give every subgraph a second pool it never uses.
    expect(loadConfig(subgraphEnv("billing", 4004), { ...env, REQUEST_DATABASE_URL: "postgres://requests@db/repti" }).REQUEST_DATABASE_URL).toBeUndefined();
    expect(() => loadConfig(subgraphEnv("vivarium", 4002), { ...env, VIVARIUM_REQUEST_DATABASE_URL: "mysql://x" })).toThrow(/REQUEST_DATABASE_URL/);
  });

  it("reads TRUST_PROXY as none or a list of addresses, ranges and presets, and refuses anything else", () => {
    const trust = (value: string) => loadConfig(subgraphEnv("identity", 4001), { DATABASE_URL: "postgres://x/y", TRUST_PROXY: value }).TRUST_PROXY;
    expect(trust("none")).toEqual([]);
    expect(trust("loopback, 10.0.0.0/8,2001:db8::1")).toEqual(["loopback", "10.0.0.0/8", "2001:db8::1"]);
    expect(loadConfig(subgraphEnv("identity", 4001), { DATABASE_URL: "postgres://x/y" }).TRUST_PROXY).toBeUndefined();
    expect(() => trust("everyone")).toThrow(/TRUST_PROXY/);
    expect(() => trust("10.0.0.0/99")).toThrow(/TRUST_PROXY/);
  });
});
