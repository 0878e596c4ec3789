import { z } from "zod";
import { baseEnv } from "@repti/kit";

export const subgraphNames = ["identity", "vivarium", "config", "billing", "telemetry"] as const;
export type SubgraphName = (typeof subgraphNames)[number];

const graphqlUrl = z.url({ protocol: /^https?$/ }).optional();

/** Gateway settings; `<SUBGRAPH>_URL` replaces the routing URL the supergraph was composed with. */
export const gatewayEnv = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  IDENTITY_URL: graphqlUrl,
  VIVARIUM_URL: graphqlUrl,
  CONFIG_URL: graphqlUrl,
  BILLING_URL: graphqlUrl,
  TELEMETRY_URL: graphqlUrl,
  SUPERGRAPH_PATH: z.string().optional(),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});

export type GatewayConfig = z.output<typeof gatewayEnv>;

export function subgraphUrlOverrides(config: GatewayConfig): Partial<Record<SubgraphName, string>> {
  const overrides: Partial<Record<SubgraphName, string>> = {};
  for (const name of subgraphNames) {
    const url = config[`${name.toUpperCase()}_URL` as `${Uppercase<SubgraphName>}_URL`];
    if (url) overrides[name] = url;
  }
  return overrides;
}
