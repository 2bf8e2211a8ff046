import { defineConfig } from "vitest/config";

// The package suite: `npm pack` (which runs prepack → build), install the tarball into a
// throw-away prefix, and use the installed CLI as a user would.
export default defineConfig({
  test: {
    include: ["test/package/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
  },
});
