import { defineConfig } from "vitest/config";

// The real claude and codex binaries: one file at a time (the machine is small and each
// client run spawns a large native process), generous timeouts, install once up front.
export default defineConfig({
  test: {
    include: ["test/compat/**/*.test.ts"],
    globalSetup: ["test/support/generate-validator-setup.ts", "test/compat/global-setup.ts"],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: "forks",
    fileParallelism: false,
  },
});
