import { DomainError, requireScope, type AuthContext } from "@repti/kit";
import { attributeNamePattern, type EvaluationContext } from "./evaluation/context.js";
import { evaluateFlag, type EvaluationReason } from "./evaluation/evaluate.js";
import type { FlagCatalog } from "./flag.catalog.js";

/** A context as a caller sends it (`EvaluationContext` input); `attributes` is free JSON until checked. */
export interface EvaluationContextInput {
  userId?: string | null | undefined;
  vivariumId?: string | null | undefined;
  environment?: string | null | undefined;
  platformRole?: string | null | undefined;
  subscriptionTier?: string | null | undefined;
  currentTime?: Date | null | undefined;
  attributes?: unknown;
}

export interface NamedEvaluation {
  name: string;
  enabled: boolean;
  reason: EvaluationReason;
}

const maxNames = 500;
const maxAttributes = 50;
const maxValueLength = 1000;

const badInput = (field: string, message: string) => new DomainError("BAD_USER_INPUT", message, { field });

function text(field: string, value: string | null | undefined): string | undefined {
  if (value == null) return undefined;
  if (value.length > maxValueLength) throw badInput(field, `${field} is longer than ${maxValueLength} characters`);
  return value;
}

/** Free attributes: a flat object of strings, numbers and booleans (compared as their text, as in Unleash). */
function attributesOf(raw: unknown): Record<string, string> | undefined {
  if (raw == null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) throw badInput("attributes", "attributes must be an object");
  const entries = Object.entries(raw);
  if (entries.length > maxAttributes) throw badInput("attributes", `at most ${maxAttributes} attributes`);
  const attributes: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!attributeNamePattern.test(name)) throw badInput("attributes", `attribute name ${JSON.stringify(name.slice(0, 64))} is not allowed`);
    if (!["string", "number", "boolean"].includes(typeof value)) throw badInput("attributes", `attribute ${name} must be a string, number or boolean`);
    attributes[name] = text(`attributes.${name}`, String(value))!;
  }
  return attributes;
}

function contextOf(input: EvaluationContextInput): EvaluationContext {
  return {
    userId: text("userId", input.userId),
    vivariumId: text("vivariumId", input.vivariumId),
    environment: text("environment", input.environment),
    platformRole: text("platformRole", input.platformRole),
    subscriptionTier: text("subscriptionTier", input.subscriptionTier),
    currentTime: input.currentTime ?? undefined,
    attributes: attributesOf(input.attributes),
  };
}

/**
 * Who may evaluate for whom. Platform admins and API keys holding `flag.read` evaluate any context (a service
 * asking for its users, an admin checking what someone sees). Everyone else evaluates for themself: their user
 * and role come from their token, they may describe where they are (vivarium, environment, tier, attributes),
 * and naming another user, another role or another time is FORBIDDEN. Anonymous callers evaluate too (a sign-in
 * page has flags), without a user.
 */
function contextFor(auth: AuthContext, input: EvaluationContextInput | null): EvaluationContext {
  if (auth.kind === "service") {
    requireScope(auth, "flag.read");
    return input ? contextOf(input) : { vivariumId: auth.vivariumId };
  }
  const own = auth.kind === "user" ? { userId: auth.userId, platformRole: auth.platformRole } : {};
  if (!input) return own;
  if (auth.kind === "user" && auth.platformRole === "ADMIN") return contextOf(input);
  const forbidden = (field: string) => new DomainError("FORBIDDEN", `Only platform admins and API keys with flag.read may set ${field} in the context`, { field });
  if (input.userId != null && input.userId !== own.userId) throw forbidden("userId");
  if (input.platformRole != null && input.platformRole !== own.platformRole) throw forbidden("platformRole");
  if (input.currentTime != null) throw forbidden("currentTime");
  return { ...contextOf(input), ...own };
}

/** Answers flags for a context from the in-memory catalog: no database work per evaluation. */
export class EvaluationService {
  constructor(private readonly catalog: FlagCatalog) {}

  /** Every requested flag (every live flag when `names` is null), unknown names answering off with DEFAULT. */
  evaluate(auth: AuthContext, input: EvaluationContextInput | null, names: readonly string[] | null): NamedEvaluation[] {
    const context = contextFor(auth, input);
    if (names && names.length > maxNames) throw badInput("names", `at most ${maxNames} names`);
    const wanted = names ? [...new Set(names)] : this.catalog.list().map((flag) => flag.flag.name);
    return wanted.map((name) => ({ name, ...evaluateFlag(this.catalog.named(name)?.rules, context) }));
  }
}
