import type { FlagOverrideRecord, FlagRecord } from "./flag.store.js";

/** The fields of a flag that a change sets: what history shows before and after a definition change. */
export type FlagDefinition = Pick<FlagRecord, "description" | "enabled" | "rolloutPercentage" | "conditions" | "rolloutGroupId" | "stickiness">;

export function definitionOf(flag: FlagDefinition): FlagDefinition {
  const { description, enabled, rolloutPercentage, conditions, rolloutGroupId, stickiness } = flag;
  return { description, enabled, rolloutPercentage, conditions, rolloutGroupId, stickiness };
}

/** An override as history shows it. */
export function overrideOf(override: Pick<FlagOverrideRecord, "target" | "targetId" | "enabled">): Record<string, unknown> {
  return { [override.target === "user" ? "userId" : "vivariumId"]: override.targetId, enabled: override.enabled };
}

/** A flag as JSON (history keeps the flag as each change left it), and back. */
export function snapshotOf(flag: FlagRecord): Record<string, unknown> {
  return {
    ...flag,
    createdAt: flag.createdAt.toISOString(),
    updatedAt: flag.updatedAt.toISOString(),
    archivedAt: flag.archivedAt?.toISOString() ?? null,
  };
}

export function flagFromSnapshot(snapshot: unknown): FlagRecord {
  const flag = snapshot as Omit<FlagRecord, "createdAt" | "updatedAt" | "archivedAt"> & { createdAt: string; updatedAt: string; archivedAt: string | null };
  return {
    ...flag,
    createdAt: new Date(flag.createdAt),
    updatedAt: new Date(flag.updatedAt),
    archivedAt: flag.archivedAt === null ? null : new Date(flag.archivedAt),
  };
}
