import type { RequestContext } from "@repti/kit";
import type { ConfigEntryService } from "./app-config/config-entry.service.js";
import type { FlagService } from "./flags/flag.service.js";

export interface ConfigServices {
  flags: FlagService;
  configEntries: ConfigEntryService;
}

export type ConfigContext = RequestContext<ConfigServices>;
