import { join, resolve } from "node:path";
import { build } from "tsup";

/**
 * Bundle a test driver to plain ESM once, so each of hundreds of spawns costs a bare node
 * start instead of a tsx compile. Output sits under .cache/ so node_modules resolves.
 */
export async function bundleDriver(entry: string, name: string): Promise<string> {
  const outDir = resolve(".cache", "reliability");
  await build({
    config: false,
    entry: { [name]: entry },
    outDir,
    format: ["esm"],
    platform: "node",
    target: "node20",
    splitting: false,
    clean: false,
    silent: true,
    outExtension: () => ({ js: ".mjs" }),
    // Packages stay imports from node_modules (they are devDependencies now, which tsup would
    // otherwise bundle, and a bundled CommonJS package cannot require() in ESM).
    skipNodeModulesBundle: true,
  });
  return join(outDir, `${name}.mjs`);
}
