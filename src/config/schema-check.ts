import type { ErrorObject } from "ajv";
import { validate } from "./schema-validator.generated.js";
import { didYouMean, labelOf, safeName } from "./suggest.js";
import type { DocPath, PathProblem } from "./yaml-source.js";

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** Schema problems of the raw (not yet interpolated) document, each with a readable message. */
export function checkSchema(data: unknown): PathProblem[] {
  // Precompiled from the schema (scripts/generate-validator.ts, run by the build): ajv itself is not loaded at run time.
  const check = validate as Validator;
  if (check(data)) return [];
  return describeSchemaErrors(check.errors ?? [], data);
}

export function describeSchemaErrors(
  errors: readonly ErrorObject[],
  data?: unknown,
): PathProblem[] {
  // anyOf reports every failed branch too; one message for the whole alternative is clearer.
  const anyOfs = errors.filter((e) => e.keyword === "anyOf").map((e) => e.schemaPath);
  const survivors = errors.filter((e) => {
    if (e.keyword !== "anyOf" && anyOfs.some((s) => e.schemaPath.startsWith(`${s}/`))) return false;
    // propertyNames reports the inner failure too (with propertyName set); keep the outer one.
    return (e as { propertyName?: string }).propertyName === undefined;
  });
  // Nested alternatives (a token, or a list of tokens): an enclosing anyOf at the same place,
  // reported after it, speaks for the whole; a failure deeper inside (one list item) is the
  // precise one.
  const kept = survivors.filter(
    (e, i) =>
      e.keyword !== "anyOf" ||
      !survivors.some(
        (o, j) =>
          (j > i && o.keyword === "anyOf" && o.instancePath === e.instancePath) ||
          o.instancePath.startsWith(`${e.instancePath}/`),
      ),
  );
  const problems: PathProblem[] = [];
  for (const e of kept) {
    const p = describeError(e, data);
    if (p) problems.push(p);
  }
  return problems;
}

function describeError(e: ErrorObject, data: unknown): PathProblem | undefined {
  const path = parsePointer(e.instancePath, data);
  const label = labelOf(path);
  const custom = (e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
  const subject = (msg: string) => (label ? `${label} ${msg}` : msg);
  switch (e.keyword) {
    case "required": {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return {
        path,
        at: "key",
        message: `${label ? `${label}: ` : ""}missing required key '${key}'`,
      };
    }
    case "additionalProperties": {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return { path: [...path, key], at: "key", message: unknownKeyMessage(path, key, known) };
    }
    case "propertyNames": {
      const name = (e.params as { propertyName: string }).propertyName;
      const inner =
        (e.schema as { patternErrorMessage?: string }).patternErrorMessage ?? "is not allowed";
      return {
        path: [...path, name],
        at: "key",
        message: `invalid ${nameKind(path)} '${safeName(name)}': ${inner}`,
      };
    }
    case "enum": {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const given = typeof e.data === "string" ? e.data : undefined;
      const what = path[path.length - 1] === "provider" ? "provider" : `value for ${label}`;
      if (given === undefined)
        return { path, message: subject(`must be one of ${allowed.join(", ")}`) };
      return {
        path,
        message: `unknown ${what} '${safeName(given)}'${didYouMean(given, allowed)} (expected one of ${allowed.join(", ")})`,
      };
    }
    case "type": {
      if (custom) return { path, message: subject(custom) };
      const t = (e.params as { type: string | string[] }).type;
      const types = (Array.isArray(t) ? t : t.split(",")).filter((x) => x !== "null");
      return { path, message: subject(`must be ${types.map(typeWord).join(" or ")}`) };
    }
    case "minLength":
      return { path, message: subject("must not be empty") };
    case "minItems":
      return { path, message: subject("is an empty list; name at least one token") };
    case "minimum":
      return { path, message: subject(custom ?? "must be a positive integer") };
    default:
      return { path, message: subject(custom ?? e.message ?? "is invalid") };
  }
}

function unknownKeyMessage(path: DocPath, key: string, known: string[]): string {
  const name = safeName(key);
  const hint = didYouMean(key, known);
  if (path.length === 2 && path[0] === "bindings" && path[1] === "codex" && key === "env") {
    return "env is only supported for claude-code bindings (Codex reads no env from neuradock)";
  }
  if (path.length === 1 && path[0] === "bindings") {
    return `unknown tool '${name}'${hint} (expected one of ${known.join(", ")})`;
  }
  if (path.length === 1 && path[0] === "nodes") {
    return `unknown provider '${name}' under nodes${hint} (expected one of ${known.join(", ")})`;
  }
  const where = path.length === 0 ? "at top level" : `in ${labelOf(path)}`;
  return `unknown key '${name}' ${where}${hint}`;
}

function nameKind(path: DocPath): string {
  if (path.length === 1 && path[0] === "accounts") return "account id";
  if (path[0] === "nodes") return "node name";
  if (path[path.length - 1] === "cookies") return "cookie name";
  if (path[path.length - 1] === "env") return "environment variable name";
  return "key";
}

function typeWord(t: string): string {
  switch (t) {
    case "object":
      return "a mapping";
    case "array":
      return "a list";
    case "integer":
      return "an integer";
    case "boolean":
      return "true or false";
    default:
      return `a ${t}`;
  }
}

/** A JSON pointer as a document path; list indices become numbers (`token[1]` in messages). */
function parsePointer(pointer: string, data: unknown): (string | number)[] {
  if (pointer === "") return [];
  let node = data;
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => {
      const s = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      const seg = Array.isArray(node) && /^\d+$/.test(s) ? Number(s) : s;
      node =
        node !== null && typeof node === "object"
          ? (node as Record<string, unknown>)[s]
          : undefined;
      return seg;
    });
}
