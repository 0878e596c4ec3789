import { z } from "zod";
import { loadConfig } from "@repti/kit";

/** vivarium's own settings, on top of every subgraph's. */
export const vivariumEnv = z.object({
  /** Days a deleted vivarium is kept, invisible, before it is purged with its members, invitations and audit. */
  VIVARIUM_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** How long an invitation link works. */
  VIVARIUM_INVITATION_TTL_HOURS: z.coerce.number().int().min(1).max(30 * 24).default(7 * 24),
});

export type VivariumSettings = z.output<typeof vivariumEnv>;

/** Reads the settings, or throws one message naming every bad variable. */
export function loadVivariumSettings(env: NodeJS.ProcessEnv): VivariumSettings {
  return loadConfig(vivariumEnv, env);
}
