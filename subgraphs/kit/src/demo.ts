/**
 * Identifiers of the demo data that `pnpm dev` seeds. Each subgraph seeds only its own tables; they agree on
 * these ids the way real subgraphs agree through events, so a cross-subgraph query finds both halves.
 */
export const demo = {
  adminUserId: "00000000-0000-4000-8000-000000000001",
  keeperUserId: "00000000-0000-4000-8000-000000000002",
  adminEmail: "admin@reptidex.dev",
  keeperEmail: "keeper@reptidex.dev",
  vivariumId: "00000000-0000-4000-8000-000000000101",
  vivariumSlug: "basking-spot",
} as const;
