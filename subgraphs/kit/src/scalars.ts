import { DateTimeResolver, JSONResolver } from "graphql-scalars";

/** `scalar DateTime` of the contract: ISO-8601 strings on the wire, `Date` in resolvers. */
export const DateTimeScalar = DateTimeResolver;
/** `scalar JSON` of the contract: any JSON value. */
export const JSONScalar = JSONResolver;
