import { billingSubgraph } from "@repti/billing";
import { configSubgraph } from "@repti/config";
import { identitySubgraph } from "@repti/identity";
import { telemetrySubgraph } from "@repti/telemetry";
import { vivariumSubgraph } from "@repti/vivarium";

/** The five subgraphs in start order (identity first: others resolve its users). */
export const allSubgraphs = [identitySubgraph, vivariumSubgraph, configSubgraph, billingSubgraph, telemetrySubgraph] as const;
