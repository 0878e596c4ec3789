import { allConditionsHold, type Condition } from "./conditions.js";
import type { EvaluationContext } from "./context.js";
import { inRollout, stickinessId } from "./rollout.js";

/** Why a flag answered as it did (`FlagEvaluation.reason`). */
export type EvaluationReason = "DISABLED" | "OVERRIDE" | "RULE_MATCH" | "ROLLOUT" | "DEFAULT";

export interface FlagEvaluation {
  enabled: boolean;
  reason: EvaluationReason;
}

/** Everything evaluation needs of one flag, as the in-memory catalog holds it. */
export interface FlagRules {
  name: string;
  enabled: boolean;
  rolloutPercentage: number;
  conditions: readonly Condition[];
  rolloutGroupId: string | null;
  stickiness: string;
  userOverrides: ReadonlyMap<string, boolean>;
  vivariumOverrides: ReadonlyMap<string, boolean>;
}

/**
 * One flag for one context, in this order:
 * 1. unknown (or deleted) flag: off, DEFAULT; switched off: off, DISABLED (the kill switch beats everything);
 * 2. an override for the user, else for the vivarium: its value, OVERRIDE;
 * 3. conditions that do not all hold: off, DEFAULT;
 * 4. a rollout below 100 %: on when the caller's bucket is inside it, ROLLOUT. A context without the
 *    stickiness field is outside (Unleash rolls a random bucket per call there; a flag that flickers per request
 *    is worse than one that waits for an id);
 * 5. otherwise on: RULE_MATCH when conditions picked the caller, DEFAULT when the flag is on for everyone.
 */
export function evaluateFlag(flag: FlagRules | undefined, context: EvaluationContext): FlagEvaluation {
  if (!flag) return { enabled: false, reason: "DEFAULT" };
  if (!flag.enabled) return { enabled: false, reason: "DISABLED" };
  const override =
    (context.userId !== undefined ? flag.userOverrides.get(context.userId) : undefined) ??
    (context.vivariumId !== undefined ? flag.vivariumOverrides.get(context.vivariumId) : undefined);
  if (override !== undefined) return { enabled: override, reason: "OVERRIDE" };
  if (!allConditionsHold(flag.conditions, context)) return { enabled: false, reason: "DEFAULT" };
  if (flag.rolloutPercentage < 100) {
    const id = stickinessId(flag.stickiness, context);
    return { enabled: id !== undefined && inRollout(flag.rolloutPercentage, flag.rolloutGroupId ?? flag.name, id), reason: "ROLLOUT" };
  }
  return { enabled: true, reason: flag.conditions.length > 0 ? "RULE_MATCH" : "DEFAULT" };
}
