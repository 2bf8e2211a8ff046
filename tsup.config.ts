import { readFileSync } from "node:fs";
import { defineConfig, type Options } from "tsup";

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number];

/**
 * commander requires node:child_process at load for executable subcommands, which neuradock
 * has none of: that one require loaded ~40 of node's modules (sockets, streams, dgram) on every
 * run. It becomes a require on first use. The build fails if commander's line changes.
 */
const lazyChildProcess: EsbuildPlugin = {
  name: "commander-lazy-child-process",
  setup(build) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) {
        throw new Error(`${args.path}: no \`${eager}\` to make lazy (commander changed)`);
      }
      const lazy =
        "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
      return { contents: text.replace(eager, lazy), loader: "js" };
    });
  },
};

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
  esbuildPlugins: [lazyChildProcess],
  banner: {
    js: '#!/usr/bin/env node\nimport { createRequire as __ndCreateRequire } from "node:module";\nconst require = __ndCreateRequire(import.meta.url);',
  },
});
