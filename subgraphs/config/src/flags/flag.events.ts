/** What a change did to a flag (`FeatureFlagChange.action`). */
export type FlagChangeAction = "CREATED" | "UPDATED" | "TOGGLED" | "DELETED" | "OVERRIDDEN";

/**
 * The event announcing each kind of change. `config.feature.toggled` is the contract's; the others extend it in
 * the same words, so a consumer can follow toggles alone or every change (`config.feature.*`).
 */
export const flagEventTypes: Record<FlagChangeAction, string> = {
  CREATED: "config.feature.created",
  UPDATED: "config.feature.updated",
  TOGGLED: "config.feature.toggled",
  DELETED: "config.feature.deleted",
  OVERRIDDEN: "config.feature.overridden",
};

/** Payload of every flag event: enough to filter on and to fetch the change (`featureFlagChange(id)`). */
export interface FlagChangedPayload {
  changeId: string;
  flagId: string;
  name: string;
  action: FlagChangeAction;
  /** The flag's version after the change: caches skip what they already hold. */
  version: number;
  enabled: boolean;
  changedByUserId: string | null;
}
