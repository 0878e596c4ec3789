import { createRequire } from "node:module";

/**
 * graphql's CommonJS build, the one Node resolves `graphql` to: @apollo/gateway builds its schema with it and
 * graphql-ws checks errors against its classes. graphql refuses schemas and errors from "another realm", and
 * bundler-style resolvers (Vite's, under vitest) would hand this code the ESM build instead, so the subscription
 * code takes graphql's runtime from here. Types still come from `import type`.
 */
export const graphql: typeof import("graphql") = createRequire(import.meta.url)("graphql");
