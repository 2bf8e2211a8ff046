import { it, type TestContext } from "vitest";

export const IS_ROOT = process.getuid?.() === 0;

/**
 * `it` for a test that needs root (mounts, chown to another user). Not as root it is never
 * skipped silently: it says so on stderr and in the report, and under CI (where the suite
 * is meant to cover it) it fails instead.
 */
export function itAsRoot(
  name: string,
  fn: (ctx: TestContext) => Promise<void>,
  timeout?: number,
): void {
  it(
    name,
    async (ctx) => {
      if (!IS_ROOT) {
        const why = `needs root (uid ${process.getuid?.() ?? "?"} here): "${name}" did NOT run`;
        if (process.env.CI) throw new Error(`${why}; CI must run this suite as root`);
        process.stderr.write(`\n!!! SKIPPED: ${why}. Run the suite as root to cover it.\n`);
        ctx.skip(why);
      }
      await fn(ctx);
    },
    timeout,
  );
}
