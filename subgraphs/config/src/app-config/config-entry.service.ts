import { DomainError } from "@repti/kit";
import type { ConfigEntryRecord, ConfigEntryStore } from "./config-entry.store.js";

/** Environment used when a reader names none. */
export const defaultEnvironment = "production";
const environmentPattern = /^[a-z][a-z0-9-]{0,31}$/;
const keyPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function checkEnvironment(environment: string): string {
  if (!environmentPattern.test(environment)) {
    throw new DomainError("BAD_USER_INPUT", "environment must be lower-case letters, digits and dashes (max 32)");
  }
  return environment;
}

/** Reading app config. App config is what every client needs at start, so it is readable without signing in. */
export class ConfigEntryService {
  constructor(private readonly store: ConfigEntryStore) {}

  async appConfig(environment: string | null | undefined): Promise<ConfigEntryRecord[]> {
    return this.store.currentForEnvironment(checkEnvironment(environment ?? defaultEnvironment));
  }

  async entry(key: string, environment: string | null | undefined): Promise<ConfigEntryRecord | null> {
    if (!keyPattern.test(key)) throw new DomainError("BAD_USER_INPUT", "key must be 1-128 of letters, digits and . _ : -");
    return (await this.store.current(key, checkEnvironment(environment ?? defaultEnvironment))) ?? null;
  }
}
