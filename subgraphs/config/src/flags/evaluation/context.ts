/**
 * What a flag is evaluated against: Unleash's context, in ReptiDex's words. The named fields are the ones
 * ReptiDex knows about every caller; `attributes` are Unleash's free `properties` (app version, country...).
 */
export interface EvaluationContext {
  userId?: string | undefined;
  vivariumId?: string | undefined;
  environment?: string | undefined;
  platformRole?: string | undefined;
  subscriptionTier?: string | undefined;
  /** The moment DATE_* conditions compare with; now when absent (as Unleash's `currentTime`). */
  currentTime?: Date | undefined;
  attributes?: Readonly<Record<string, string>> | undefined;
}

/** Context fields with a name of their own; any other name is looked up in `attributes`. */
export const namedContextFields: readonly string[] = ["userId", "vivariumId", "environment", "platformRole", "subscriptionTier", "currentTime"];

/** What an attribute may be called (Unleash's custom context field names are as tame). */
export const attributeNamePattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export function isContextFieldName(name: string): boolean {
  return namedContextFields.includes(name) || attributeNamePattern.test(name);
}

/**
 * The string value of a context field, or undefined when it is missing or empty: a missing field and an empty
 * one are the same to every operator (as in Unleash, whose SDKs skip empty context values).
 */
export function contextValue(context: EvaluationContext, name: string): string | undefined {
  let value: string | undefined;
  switch (name) {
    case "userId":
    case "vivariumId":
    case "environment":
    case "platformRole":
    case "subscriptionTier":
      value = context[name];
      break;
    case "currentTime":
      value = context.currentTime?.toISOString();
      break;
    default:
      value = Object.hasOwn(context.attributes ?? {}, name) ? context.attributes![name] : undefined;
  }
  return value === "" ? undefined : value;
}
