import type {
  ArgumentNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
  VariableDefinitionNode,
} from "graphql";
import { graphql } from "./graphql-runtime.js";
import type { LiveField } from "./live-fields.js";

const {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  print,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} = graphql;

/** The variable that carries the change's id into the query run for each event. */
export const changeIdVariable = "__liveChangeId";

/** A subscription, planned: what to listen for, and the query that resolves each event for the subscriber. */
export interface LiveOperation {
  /** The root Subscription field, e.g. `featureFlagChanged`. */
  fieldName: string;
  /** Where its value goes in each result (the field's alias, or its name). */
  responseKey: string;
  field: LiveField;
  /** Its arguments, coerced (the filters). */
  args: Record<string, unknown>;
  /**
   * The subscriber's selection as a query under the field's `queryField`, aliased to the subscription's response
   * key, with `$__liveChangeId` for the change; printed, so equal selections print alike whatever their spacing.
   */
  query: string;
  /** The values of the variables the query still uses (the filters' variables are gone with the filters). */
  variables: Record<string, unknown>;
  /** Whether every selected field answers alike for callers of one role and scope set (see `LiveField.sharedFields`). */
  callerIndependent: boolean;
}

function badRequest(message: string, nodes?: readonly FieldNode[] | OperationDefinitionNode): GraphQLError {
  return new graphql.GraphQLError(message, { ...(nodes ? { nodes } : {}), extensions: { code: "BAD_USER_INPUT" } });
}

/** A client's mistake keeps its message and location; its code is the contract's. */
function asBadRequest(error: GraphQLError): GraphQLError {
  return new graphql.GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    extensions: { ...error.extensions, code: "BAD_USER_INPUT" },
  });
}

/**
 * The root fields a selection set asks for once @skip/@include are applied, fragments followed, by response key
 * (a key may be asked for more than once; validation has made sure the asks merge).
 */
function rootFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  into = new Map<string, FieldNode[]>(),
): Map<string, FieldNode[]> {
  const included = (node: SelectionNode) =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true && getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  for (const selection of selectionSet.selections) {
    if (!included(selection)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      into.set(key, [...(into.get(key) ?? []), selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      rootFields(selection.selectionSet, fragments, variables, into);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment) rootFields(fragment.selectionSet, fragments, variables, into);
    }
  }
  return into;
}

/** The fragments a selection set spreads, directly or through other fragments. */
function fragmentsUsedBy(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          walk(fragment);
        }
      },
    });
  walk(selectionSet);
  return [...used.values()];
}

function usedVariables(document: DocumentNode): Set<string> {
  const names = new Set<string>();
  visit(document, {
    VariableDefinition: () => false,
    Variable(variable) {
      names.add(variable.name.value);
    },
  });
  return names;
}

/**
 * Whether every field of the query, its root `Query` field included, is one of `shared` (by parent type);
 * `__typename` always is.
 */
function onlySharedFields(schema: GraphQLSchema, document: DocumentNode, shared: LiveField["sharedFields"]): boolean {
  const typeInfo = new TypeInfo(schema);
  let independent = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const name = node.name.value;
        if (!parent || name === "__typename") return;
        const fields = shared[getNamedType(parent).name];
        if (fields !== "all" && !fields?.includes(name)) independent = false;
      },
    }),
  );
  return independent;
}

/**
 * Plans a subscription request against the gateway's API schema: validates it as any request is validated,
 * finds its one root field among the `live` ones, coerces that field's arguments (the filters), and rewrites the
 * rest of the selection (variables, fragments, aliases, directives kept) into the query that resolves one event:
 *
 *   subscription($n: [String!]) { changed: featureFlagChanged(names: $n) { flag { name } } }
 *   → query($__liveChangeId: ID!) { changed: featureFlagChange(id: $__liveChangeId) { flag { name } } }
 *
 * (plus the field's `queryArguments`, taken from the subscription's arguments, as literals).
 *
 * Answers GraphQL errors (BAD_USER_INPUT) for anything a client got wrong.
 */
export function planLiveOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
  live: Readonly<Record<string, LiveField>>,
): LiveOperation | GraphQLError[] {
  let invalid: readonly GraphQLError[];
  try {
    invalid = validate(schema, document);
  } catch (error) {
    // graphql-js throws, rather than reports, a root @skip/@include on a variable (SingleFieldSubscriptionsRule).
    return [error instanceof graphql.GraphQLError ? asBadRequest(error) : badRequest(String(error))];
  }
  if (invalid.length > 0) return invalid.map(asBadRequest);
  const operation = getOperationAST(document, operationName);
  if (!operation) return [badRequest(operationName ? `Unknown operation ${operationName}` : "Name the operation to run")];
  if (operation.operation !== "subscription") {
    return [badRequest("Only subscriptions are served over WebSocket; send queries and mutations over HTTP", operation)];
  }
  const provided = rawVariables ?? {};
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], provided, { maxErrors: 10 });
  if (coerced.errors) return coerced.errors.map(asBadRequest);
  if (operation.variableDefinitions?.some((definition) => definition.variable.name.value === changeIdVariable)) {
    return [badRequest(`$${changeIdVariable} is reserved`, operation)];
  }

  const fragments = new Map(
    document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  const [entry, ...others] = rootFields(operation.selectionSet, fragments, coerced.coerced);
  if (!entry || others.length > 0) return [badRequest("A subscription selects exactly one root field", operation)];
  const [responseKey, nodes] = entry;
  const fieldName = nodes[0]!.name.value;
  const field = live[fieldName];
  const definition = schema.getSubscriptionType()?.getFields()[fieldName];
  if (!field || !definition) return [badRequest(`${fieldName} is not served by this gateway`, nodes)];

  const args = getArgumentValues(definition, nodes[0]!, coerced.coerced);
  const queryArguments: ArgumentNode[] = Object.entries(field.queryArguments?.(args) ?? {}).map(([name, value]) => ({
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: name },
    value: { kind: Kind.STRING, value },
  }));
  const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: nodes.flatMap((node) => node.selectionSet?.selections ?? []) };
  const changeId: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: changeIdVariable } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: "ID" } } },
  };
  const draft = (variableDefinitions: readonly VariableDefinitionNode[]): DocumentNode => ({
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: "query" as OperationDefinitionNode["operation"],
        ...(operation.name ? { name: operation.name } : {}),
        variableDefinitions,
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [
            {
              kind: Kind.FIELD,
              alias: { kind: Kind.NAME, value: responseKey },
              name: { kind: Kind.NAME, value: field.queryField },
              arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: "id" }, value: changeId.variable }, ...queryArguments],
              selectionSet,
            },
          ],
        },
      },
      ...fragmentsUsedBy(selectionSet, fragments),
    ],
  });
  // Drop the definitions of variables that only fed the filters: an unused variable is a validation error.
  const used = usedVariables(draft([]));
  const query = draft([changeId, ...(operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value))]);
  const variables = Object.fromEntries(Object.entries(provided).filter(([name]) => used.has(name)));

  return {
    fieldName,
    responseKey,
    field,
    args,
    query: print(query),
    variables,
    callerIndependent: onlySharedFields(schema, query, field.sharedFields),
  };
}
