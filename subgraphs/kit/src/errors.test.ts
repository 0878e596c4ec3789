import { describe, expect, it, vi } from "vitest";
import { GraphQLError } from "graphql";
import { DomainError, formatError, rethrowForHttp } from "./errors.js";

const resolverError = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ["field"] });

describe("formatError", () => {
  it("gives a domain error its code and details, and nothing else", () => {
    const original = resolverError(new DomainError("CONFLICT", "Version is stale", { expectedVersion: 3 }));
    const onInternal = vi.fn();
    const formatted = formatError({ message: original.message, path: ["field"], extensions: { code: "INTERNAL_SERVER_ERROR", stacktrace: ["x"] } }, onInternal, original);
    expect(formatted).toEqual({ message: "Version is stale", path: ["field"], extensions: { code: "CONFLICT", expectedVersion: 3 } });
    expect(onInternal).not.toHaveBeenCalled();
  });

  it("masks unexpected errors (which may hold SQL) and reports them once", () => {
    const original = resolverError(new Error('syntax error at or near "selec" in select * from identity.users'));
    const onInternal = vi.fn();
    const formatted = formatError({ message: original.message, extensions: { code: "INTERNAL_SERVER_ERROR", stacktrace: ["at db.ts:1"] } }, onInternal, original);
    expect(formatted).toEqual({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(onInternal).toHaveBeenCalledOnce();
  });

  it("maps Apollo's request-level codes to BAD_USER_INPUT and keeps the persisted-query protocol codes", () => {
    const onInternal = vi.fn();
    for (const code of ["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST"]) {
      expect(formatError({ message: "m", extensions: { code } }, onInternal).extensions).toEqual({ code: "BAD_USER_INPUT" });
    }
    expect(formatError({ message: "m", extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } }, onInternal).extensions).toEqual({
      code: "PERSISTED_QUERY_NOT_FOUND",
    });
    expect(onInternal).not.toHaveBeenCalled();
  });

  it("turns a domain error raised before execution into a GraphQLError with its HTTP status", () => {
    expect(() => rethrowForHttp(new DomainError("UNAUTHENTICATED", "Access token expired"))).toThrow(
      expect.objectContaining({ extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } }),
    );
    const other = new Error("boom");
    expect(() => rethrowForHttp(other)).toThrow(other);
  });
});

describe("loggableError", () => {
  it("keeps a failed query's statement and cause but drops its bound parameters", async () => {
    const { DrizzleQueryError } = await import("drizzle-orm/errors");
    const { loggableError } = await import("./logger.js");
    const failed = new DrizzleQueryError("insert into identity.users (email, password_hash) values ($1, $2)", ["a@b.co", "$argon2id$secret"], new Error("duplicate key"));
    expect(failed.message).toContain("$argon2id$secret");
    const logged = loggableError(new GraphQLError("x", { originalError: failed }));
    expect(JSON.stringify(logged)).not.toContain("$argon2id$secret");
    expect(logged).toMatchObject({ type: "DrizzleQueryError", query: failed.query });
  });
});
