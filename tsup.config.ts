import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

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
  // hundreds of node_modules files.
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
  ],
  banner: {
    js: '#!/usr/bin/env node\nimport { createRequire as __ndCreateRequire } from "node:module";\nconst require = __ndCreateRequire(import.meta.url);',
  },
});
