import { GraphQLError, type GraphQLFormattedError } from "graphql";

/** The error codes of the API contract (SPEC.md, "Errors"). */
export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  RATE_LIMITED: "RATE_LIMITED",
  MFA_REQUIRED: "MFA_REQUIRED",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An error the domain raises on purpose. Domain code throws these without knowing about GraphQL;
 * `formatError` turns them into GraphQL errors carrying their code, so resolvers need no try/catch.
 */
export class DomainError extends Error {
  override name = "DomainError";
  constructor(
    readonly code: Exclude<ErrorCode, "INTERNAL_SERVER_ERROR">,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);
export const forbidden = (message = "You may not do this") => new DomainError("FORBIDDEN", message);
export const unauthenticated = (message = "Sign in first") => new DomainError("UNAUTHENTICATED", message);
export const badInput = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError("BAD_USER_INPUT", message, details);
export const conflict = (message: string) => new DomainError("CONFLICT", message);

/**
 * Apollo reports malformed requests with its own codes; clients of this API read the contract's codes only.
 * Persisted-query codes stay: the APQ protocol depends on them.
 */
const requestErrorCodes = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST"]);

const contractCodes = new Set<string>(Object.values(ErrorCode));
const protocolCodes = new Set(["PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED", "OPERATION_RESOLUTION_FAILURE"]);

/**
 * The last word on what leaves a server: a contract code always, never a stack trace, and the message of an
 * unexpected error (which may hold SQL or internals) replaced by a generic one. `onInternal` sees the original.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  onInternal: (formatted: GraphQLFormattedError, original: unknown) => void,
  original?: unknown,
): GraphQLFormattedError {
  // A resolver's throw arrives wrapped in a GraphQLError (read structurally: graphql's CJS and ESM builds
  // are different classes to instanceof).
  const domainError = original instanceof DomainError ? original : (original as { originalError?: unknown } | undefined)?.originalError;
  if (domainError instanceof DomainError) {
    return {
      message: domainError.message,
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { ...domainError.details, code: domainError.code },
    };
  }
  const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
  const code = typeof extensions.code === "string" ? extensions.code : undefined;
  if (code && requestErrorCodes.has(code)) {
    return { ...formatted, extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT } };
  }
  if (code && (contractCodes.has(code) || protocolCodes.has(code)) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    return { ...formatted, extensions };
  }
  onInternal(formatted, original);
  return {
    message: "Internal server error",
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

const httpStatusOf: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, RATE_LIMITED: 429 };

/**
 * For code that runs before execution (building the request context): Apollo only keeps the code and HTTP
 * status of a GraphQLError thrown there, so domain errors are converted on the way out.
 */
export function rethrowForHttp(error: unknown): never {
  if (error instanceof DomainError) {
    const status = httpStatusOf[error.code] ?? 400;
    throw new GraphQLError(error.message, { extensions: { ...error.details, code: error.code, http: { status } } });
  }
  throw error;
}
