import semver from "semver";
import { DomainError } from "@repti/kit";
import { contextValue, isContextFieldName, type EvaluationContext } from "./context.js";

/**
 * Targeting conditions: Unleash's strategy constraints, same JSON shape and semantics, so a flag moves between
 * Unleash and ReptiDex unchanged. Evaluation follows Unleash's client specification (tests 13, 14 and 16):
 * - a missing or empty context field makes every operator false, except NOT_IN, which is IN negated (so true);
 *   `inverted` then negates the operator's answer;
 * - IN, NOT_IN and the STR_* operators take `values` and honour `caseInsensitive`;
 * - NUM_* compare decimal numbers (`12` equals `12.0`; anything that is not a decimal number is false);
 * - DATE_* compare the context's `currentTime` (now when absent) with an RFC 3339 instant, both exclusive;
 * - SEMVER_* compare strict SemVer 2.0 (pre-releases order below their release, build metadata is ignored,
 *   a leading `v` is not a version).
 */
export const conditionOperators = [
  "IN",
  "NOT_IN",
  "STR_CONTAINS",
  "STR_STARTS_WITH",
  "STR_ENDS_WITH",
  "NUM_EQ",
  "NUM_GT",
  "NUM_GTE",
  "NUM_LT",
  "NUM_LTE",
  "DATE_AFTER",
  "DATE_BEFORE",
  "SEMVER_EQ",
  "SEMVER_GT",
  "SEMVER_LT",
] as const;
export type ConditionOperator = (typeof conditionOperators)[number];

export type Condition =
  | { contextName: string; operator: ListOperator; values: string[]; inverted: boolean; caseInsensitive: boolean }
  | { contextName: string; operator: SingleOperator; value: string; inverted: boolean; caseInsensitive: boolean };

type ListOperator = "IN" | "NOT_IN" | "STR_CONTAINS" | "STR_STARTS_WITH" | "STR_ENDS_WITH";
type SingleOperator = Exclude<ConditionOperator, ListOperator>;

const listOperators: ReadonlySet<string> = new Set<ListOperator>(["IN", "NOT_IN", "STR_CONTAINS", "STR_STARTS_WITH", "STR_ENDS_WITH"]);
const maxConditions = 50;
const maxValues = 1000;
const maxValueLength = 1000;
/** A decimal number, as Unleash's SDKs parse it (no hex, no blanks, no Infinity). */
const decimal = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** SemVer 2.0.0's own grammar (semver.org), without the leniencies of the `semver` package's parser. */
const strictSemver =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/** RFC 3339 date-time with an offset; a date alone or a local time would depend on the server's zone. */
const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function parseNumber(value: string): number | undefined {
  return decimal.test(value) ? Number(value) : undefined;
}

function parseInstant(value: string): Date | undefined {
  const time = instant.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? undefined : new Date(time);
}

function isSemver(value: string): boolean {
  return strictSemver.test(value);
}

function invalid(index: number, message: string): DomainError {
  return new DomainError("BAD_USER_INPUT", `conditions[${index}]: ${message}`, { field: "conditions", index });
}

function parseCondition(raw: unknown, index: number): Condition {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalid(index, "must be an object");
  const { contextName, operator, values, value, inverted = false, caseInsensitive = false, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw invalid(index, `unknown properties: ${unknown.join(", ")}`);
  if (typeof contextName !== "string" || !isContextFieldName(contextName)) {
    throw invalid(index, "contextName must name a context field (letters, digits, _ . -, at most 64)");
  }
  if (typeof operator !== "string" || !conditionOperators.includes(operator as ConditionOperator)) {
    throw invalid(index, `operator must be one of ${conditionOperators.join(", ")}`);
  }
  if (typeof inverted !== "boolean" || typeof caseInsensitive !== "boolean") throw invalid(index, "inverted and caseInsensitive are booleans");
  const isDate = operator === "DATE_AFTER" || operator === "DATE_BEFORE";
  if (isDate !== (contextName === "currentTime")) throw invalid(index, "DATE_AFTER and DATE_BEFORE apply to currentTime, and only they do");

  if (listOperators.has(operator)) {
    if (value !== undefined) throw invalid(index, `${operator} takes \`values\`, a list`);
    if (!Array.isArray(values) || values.length === 0 || values.length > maxValues) throw invalid(index, `values must list 1 to ${maxValues} strings`);
    const cleaned = values.map((entry) => (typeof entry === "string" ? entry.trim() : ""));
    if (cleaned.some((entry) => entry === "" || entry.length > maxValueLength)) throw invalid(index, `values must be non-blank strings of at most ${maxValueLength} characters`);
    return { contextName, operator: operator as ListOperator, values: cleaned, inverted, caseInsensitive };
  }

  if (values !== undefined) throw invalid(index, `${operator} takes one \`value\`, not a list`);
  const single = typeof value === "number" && Number.isFinite(value) ? String(value) : typeof value === "string" ? value.trim() : undefined;
  if (single === undefined || single === "") throw invalid(index, `${operator} needs a \`value\``);
  if (operator.startsWith("NUM_") && parseNumber(single) === undefined) throw invalid(index, "value must be a decimal number");
  if (isDate && parseInstant(single) === undefined) throw invalid(index, "value must be an RFC 3339 date-time with an offset, e.g. 2026-01-01T00:00:00Z");
  if (operator.startsWith("SEMVER_") && !isSemver(single)) throw invalid(index, "value must be a SemVer 2.0 version such as 1.4.0 or 2.0.0-beta.1");
  return { contextName, operator: operator as SingleOperator, value: single, inverted, caseInsensitive };
}

/** Validates conditions as a client sends them (JSON); BAD_USER_INPUT names the first bad one. */
export function parseConditions(raw: unknown): Condition[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw new DomainError("BAD_USER_INPUT", "conditions must be a list", { field: "conditions" });
  if (raw.length > maxConditions) throw new DomainError("BAD_USER_INPUT", `at most ${maxConditions} conditions`, { field: "conditions" });
  return raw.map(parseCondition);
}

function lower(text: string, caseInsensitive: boolean): string {
  return caseInsensitive ? text.toLowerCase() : text;
}

/** The operator's own answer, before `inverted`. */
function operatorHolds(condition: Condition, context: EvaluationContext): boolean {
  if (condition.operator === "DATE_AFTER" || condition.operator === "DATE_BEFORE") {
    const now = (context.currentTime ?? new Date()).getTime();
    const bound = parseInstant(condition.value)?.getTime();
    if (bound === undefined) return false;
    return condition.operator === "DATE_AFTER" ? now > bound : now < bound;
  }
  const actual = contextValue(context, condition.contextName);
  if ("values" in condition) {
    if (actual === undefined) return condition.operator === "NOT_IN";
    const subject = lower(actual, condition.caseInsensitive);
    const wanted = condition.values.map((entry) => lower(entry, condition.caseInsensitive));
    switch (condition.operator) {
      case "IN":
        return wanted.includes(subject);
      case "NOT_IN":
        return !wanted.includes(subject);
      case "STR_CONTAINS":
        return wanted.some((entry) => subject.includes(entry));
      case "STR_STARTS_WITH":
        return wanted.some((entry) => subject.startsWith(entry));
      case "STR_ENDS_WITH":
        return wanted.some((entry) => subject.endsWith(entry));
    }
  }
  if (actual === undefined) return false;
  if (condition.operator.startsWith("SEMVER_")) {
    if (!isSemver(actual) || !isSemver(condition.value)) return false;
    const order = semver.compare(actual, condition.value);
    return condition.operator === "SEMVER_EQ" ? order === 0 : condition.operator === "SEMVER_GT" ? order > 0 : order < 0;
  }
  const subject = parseNumber(actual);
  const bound = parseNumber(condition.value);
  if (subject === undefined || bound === undefined) return false;
  switch (condition.operator) {
    case "NUM_EQ":
      return subject === bound;
    case "NUM_GT":
      return subject > bound;
    case "NUM_GTE":
      return subject >= bound;
    case "NUM_LT":
      return subject < bound;
    case "NUM_LTE":
      return subject <= bound;
    default:
      return false;
  }
}

export function conditionHolds(condition: Condition, context: EvaluationContext): boolean {
  return operatorHolds(condition, context) !== condition.inverted;
}

/** Every condition must hold; a flag without conditions targets everyone. */
export function allConditionsHold(conditions: readonly Condition[], context: EvaluationContext): boolean {
  return conditions.every((condition) => conditionHolds(condition, context));
}
