import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { DomainError } from "@repti/kit";

/**
 * JSON Schema (2020-12) for config values. Strict: an unknown keyword is a mistake in the schema, refused when it
 * is set rather than silently ignored. References resolve within the schema only (nothing is fetched), and
 * `format` is an annotation (not checked).
 */
const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
const compiled = new Map<string, ValidateFunction>();
const maxCompiled = 200;
const maxSchemaBytes = 16 * 1024;

function validatorFor(schema: unknown): ValidateFunction {
  const text = JSON.stringify(schema);
  if (Buffer.byteLength(text) > maxSchemaBytes) throw new DomainError("BAD_USER_INPUT", `valueSchema exceeds ${maxSchemaBytes} bytes`, { field: "valueSchema" });
  let validate = compiled.get(text);
  if (!validate) {
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) throw new DomainError("BAD_USER_INPUT", "valueSchema must be a JSON Schema object", { field: "valueSchema" });
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new DomainError("BAD_USER_INPUT", `valueSchema is not a valid JSON Schema: ${(error as Error).message}`, { field: "valueSchema" });
    } finally {
      // Compiled schemas live in our own bounded map; ajv's registry would otherwise keep every one.
      ajv.removeSchema(schema);
    }
    if (compiled.size >= maxCompiled) compiled.delete(compiled.keys().next().value!);
    compiled.set(text, validate);
  }
  return validate;
}

/** Refuses a schema that does not compile. */
export function checkValueSchema(schema: unknown): void {
  validatorFor(schema);
}

/** Refuses a value its schema rejects, listing where and why (as JSON Pointers). */
export function checkValue(schema: unknown, value: unknown): void {
  const validate = validatorFor(schema);
  if (validate(value)) return;
  const problems = (validate.errors ?? []).slice(0, 10).map((error) => ({ path: error.instancePath || "/", message: error.message ?? "is invalid" }));
  throw new DomainError("BAD_USER_INPUT", `value does not match its schema: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, {
    field: "value",
    problems,
  });
}
