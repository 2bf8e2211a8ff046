import { labelOf } from "./suggest.js";
import type { DocPath, PathProblem } from "./yaml-source.js";

export type InterpolationResult = { ok: true; value: string } | { ok: false; message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replace `${VAR}` and `${VAR:-default}` (default also when VAR is empty, as in sh) from `env`;
 * `$${` is a literal `${`. Errors name the variable, never a value.
 */
export function interpolateString(input: string, env: NodeJS.ProcessEnv): InterpolationResult {
  let out = "";
  let i = 0;
  while (i < input.length) {
    if (input.startsWith("$${", i)) {
      out += "${";
      i += 3;
      continue;
    }
    if (!input.startsWith("${", i)) {
      out += input[i];
      i += 1;
      continue;
    }
    const end = input.indexOf("}", i + 2);
    if (end < 0) return { ok: false, message: "unterminated ${ (write $${ for a literal ${)" };
    const body = input.slice(i + 2, end);
    const sep = body.indexOf(":-");
    const name = sep < 0 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      return {
        ok: false,
        message:
          name.length > 0 && name.length <= 40 && /^[\x21-\x7e]+$/.test(name)
            ? `invalid variable reference '\${${name}...}': use \${NAME} or \${NAME:-default}`
            : "invalid variable reference: use ${NAME} or ${NAME:-default}",
      };
    }
    if (sep >= 0 && body.includes("${", sep + 2)) {
      // The first `}` closed the reference early: `${A:-${B}}` would send `${B` as it is.
      return {
        ok: false,
        message: `the default of \${${name}:-...} contains \${: nested variables are not supported (write $\${ for a literal \${)`,
      };
    }
    const value = env[name];
    if (sep >= 0) {
      out += value === undefined || value === "" ? body.slice(sep + 2) : value;
    } else if (value === undefined) {
      return {
        ok: false,
        message: `environment variable ${name} is not set`,
      };
    } else {
      out += value;
    }
    i = end + 1;
  }
  return { ok: true, value: out };
}

/** Interpolate every string value (never keys) of a parsed document; problems carry their path. */
export function interpolateTree(
  data: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; problems: PathProblem[]; fromEnv: Set<string> } {
  const problems: PathProblem[] = [];
  // Paths whose value came (partly) from the environment: never quote those in a message.
  const fromEnv = new Set<string>();
  const walk = (v: unknown, path: DocPath): unknown => {
    if (typeof v === "string") {
      if (!v.includes("${")) return v;
      const r = interpolateString(v, env);
      if (r.ok) {
        if (r.value !== v.replaceAll("$${", "${")) fromEnv.add(path.join("\u0000"));
        return r.value;
      }
      problems.push({ path, message: `${labelOf(path)}: ${r.message}` });
      return v;
    }
    if (Array.isArray(v)) return v.map((item, idx) => walk(item, [...path, idx]));
    if (v !== null && typeof v === "object" && !(v instanceof Date) && !(v instanceof Uint8Array)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        // defineProperty: a `__proto__` key stays a plain key.
        Object.defineProperty(out, k, {
          value: walk(item, [...path, k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return v;
  };
  return { value: walk(data, []), problems, fromEnv };
}
