import { defineConfig } from "vitest/config";

// The reliability suite: slow, process-level tests (SIGKILL mid-apply, file system faults).
export default defineConfig({
  test: {
    globalSetup: ["test/support/generate-validator-setup.ts"],
    include: ["test/reliability/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
