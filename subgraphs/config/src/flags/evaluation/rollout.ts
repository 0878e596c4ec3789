import murmur from "murmurhash3js";
import { contextValue, type EvaluationContext } from "./context.js";

/**
 * Unleash's flexible rollout, bit for bit: `bucket = murmur3_x86_32(utf8(groupId + ":" + stickinessId), seed 0)
 * % 100 + 1`. The same caller lands in the same bucket on every call and every instance, and a caller inside
 * 20 % stays inside when the rollout grows to 50 %. murmurhash3js hashes one byte per character, so the key
 * goes in as its UTF-8 bytes (one latin1 character each), as Unleash's other SDKs hash it.
 */
export function bucketOf(groupId: string, stickinessId: string): number {
  const utf8 = Buffer.from(`${groupId}:${stickinessId}`, "utf8").toString("latin1");
  return (murmur.x86.hash32(utf8, 0) % 100) + 1;
}

/** Whether the caller's bucket falls inside the rollout; 0 % is nobody. */
export function inRollout(percentage: number, groupId: string, stickinessId: string): boolean {
  return percentage > 0 && bucketOf(groupId, stickinessId) <= percentage;
}

/**
 * The id that buckets a caller: with `default` stickiness the user, else the vivarium (ReptiDex's stand-in for
 * Unleash's sessionId); otherwise the named context field. Undefined when the context has none.
 */
export function stickinessId(stickiness: string, context: EvaluationContext): string | undefined {
  if (stickiness === "default") return contextValue(context, "userId") ?? contextValue(context, "vivariumId");
  return contextValue(context, stickiness);
}
