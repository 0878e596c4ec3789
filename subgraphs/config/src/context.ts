import type { RequestContext } from "@repti/kit";
import type { ConfigCache } from "./app-config/config-entry.cache.js";
import type { ConfigEntryService } from "./app-config/config-entry.service.js";
import type { EvaluationService } from "./flags/evaluation.service.js";
import type { FlagCatalog } from "./flags/flag.catalog.js";
import type { FlagService } from "./flags/flag.service.js";

export interface ConfigServices {
  flags: FlagService;
  evaluations: EvaluationService;
  configEntries: ConfigEntryService;
  /** The in-memory read models that serve every read; loaded and kept coherent by the subgraph's workers. */
  flagCatalog: FlagCatalog;
  configCache: ConfigCache;
}

export type ConfigContext = RequestContext<ConfigServices>;
