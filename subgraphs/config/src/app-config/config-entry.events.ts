/** The contract's event for every app config change. */
export const configUpdatedEvent = "config.updated";

/** What a change did to a key (`ConfigChange.action`). */
export type ConfigChangeAction = "SET" | "DELETED";

/** Payload of `config.updated`: enough to filter on and to fetch the change (`configChange(id)`). */
export interface ConfigUpdatedPayload {
  /** The id of the version the change wrote. */
  changeId: string;
  key: string;
  environment: string;
  version: number;
  action: ConfigChangeAction;
  changedByUserId: string | null;
}
