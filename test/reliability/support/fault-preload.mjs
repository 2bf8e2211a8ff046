// Preloaded with `node --import` into the built CLI: makes one fs operation fail with an
// errno, portably (no root, no special mounts). NEURADOCK_TEST_FAULT = "op:CODE:suffix",
// op = write | rename, suffix = the end of the target file's name (e.g. config.toml).
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const spec = process.env.NEURADOCK_TEST_FAULT;
if (spec) {
  const [op, code, suffix] = spec.split(":");
  const errno = (path) => Object.assign(new Error(`${code}: injected, ${path}`), { code, path });
  // Temp files are named `.<target>.<random>.tmp`: the fault hits the temp of that target.
  const isTempOf = (path) => {
    const base = String(path).split("/").pop() ?? "";
    return (
      base.startsWith(`.${suffix}.`) &&
      /^\.[^/]+\.[0-9a-f]{12}\.tmp$/.test(base) &&
      base.length === suffix.length + 18
    );
  };
  const p = fs.promises;
  if (op === "write") {
    const open = p.open;
    p.open = async (path, ...rest) => {
      const handle = await open(path, ...rest);
      if (!isTempOf(path)) return handle;
      return new Proxy(handle, {
        get(target, prop) {
          if (prop === "writeFile" || prop === "write") {
            return async () => {
              throw errno(path);
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    };
  } else if (op === "rename") {
    const rename = p.rename;
    p.rename = async (from, to) => {
      if (isTempOf(from)) throw errno(to);
      return rename(from, to);
    };
  }
  syncBuiltinESMExports();
}
