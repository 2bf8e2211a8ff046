import { defineConfig } from "tsup";

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
  banner: { js: "#!/usr/bin/env node" },
});
