import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { defineConfig, type Options } from "tsup";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

type Plugin = NonNullable<Options["esbuildPlugins"]>[number];

/**
 * A bundled CommonJS package reached through `await import("pkg")` arrives as a chunk with
 * only a `default` export, so `const { name } = await import("pkg")` would get undefined.
 * This gives each listed package an ESM face with its real export names.
 */
function cjsNamedExports(packages: readonly string[]): Plugin {
  const require = createRequire(import.meta.url);
  const ns = "cjs-named-exports";
  return {
    name: ns,
    setup(build) {
      const filter = new RegExp(`^(${packages.map((p) => p.replace(/[/.]/g, "\\$&")).join("|")})$`);
      build.onResolve({ filter }, (args) =>
        args.namespace === ns ? undefined : { path: args.path, namespace: ns },
      );
      build.onLoad({ filter: /.*/, namespace: ns }, (args) => {
        const names = Object.keys(require(args.path) as object).filter((n) => n !== "default");
        const lines = [
          `import * as m from ${JSON.stringify(args.path)};`,
          "const mod = m.default ?? m;",
          ...names.map((n) => `export const ${n} = mod[${JSON.stringify(n)}];`),
          "export default mod;",
        ];
        return { contents: lines.join("\n"), resolveDir: process.cwd(), loader: "js" };
      });
    },
  };
}

// One entry, ESM with code splitting: each command is its own chunk, loaded on demand,
// so `neuradock --version` never pays for yaml, ajv or undici.
export default defineConfig({
  entry: { cli: "src/cli.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  splitting: true,
  clean: true,
  sourcemap: false,
  define: { __VERSION__: JSON.stringify(pkg.version) },
  // Dependencies are bundled: one pre-linked file per chunk loads much faster than
  // hundreds of node_modules files (cosmiconfig from node_modules cost ~18 ms per run).
  // So they are devDependencies: the published package installs nothing but itself
  // (test/package checks it).
  // CommonJS dependencies get a real `require`.
  noExternal: [
    "yaml",
    "commander",
    "picocolors",
    "jsonc-parser",
    "@decimalturn/toml-patch",
    "undici",
    "cosmiconfig",
  ],
  // cosmiconfig requires its own file loaders only when one is used: neuradock passes a
  // loader of its own for every extension, so these are never loaded.
  external: ["typescript", "import-fresh", "parse-json", "js-yaml"],
  esbuildPlugins: [cjsNamedExports(["cosmiconfig"])],
  banner: {
    js: '#!/usr/bin/env node\nimport { createRequire as __ndCreateRequire } from "node:module";\nconst require = __ndCreateRequire(import.meta.url);',
  },
});
