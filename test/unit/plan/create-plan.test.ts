import { describe, expect, it } from "vitest";
import { applyPlan } from "../../../src/apply/index.js";
import type { Config } from "../../../src/config/types.js";
import { createPlan } from "../../../src/plan/create-plan.js";
import { createMemorySystem } from "../../support/memory-system.js";
import { stubTokenSource } from "../../support/stub-token-source.js";
import { HOME, KEY_A, makeBinding, makeConfig } from "./support.js";

/** The relay, as the planner sees it: an injected TokenSource (the HTTP side has its own tests). */
const relay = stubTokenSource(() => KEY_A);

const ORIGINAL = '{\n  "model": "opus"\n}\n';
const OLD_DIR = `${HOME}/old-claude`;
const NEW_DIR = `${HOME}/new-claude`;

async function cycle(system: ReturnType<typeof createMemorySystem>, config: Config, dir: string) {
  const env = { HOME, CLAUDE_CONFIG_DIR: dir };
  const plan = await createPlan({ config, env, system, tokenSource: relay, stateDir: "/state" });
  await applyPlan(plan, { system, stateDir: "/state" });
  return plan;
}

describe("createPlan when the tool's config dir moved", () => {
  it("gives back what neuradock wrote at the old location, and says why", async () => {
    const system = createMemorySystem({
      [`${OLD_DIR}/settings.json`]: ORIGINAL,
      [`${NEW_DIR}/settings.json`]: ORIGINAL,
    });
    const bound = makeConfig({ "claude-code": makeBinding("claude-code") });
    await cycle(system, bound, OLD_DIR);
    expect(await system.readFile(`${OLD_DIR}/settings.json`)).toContain(KEY_A);

    // Still bound, but CLAUDE_CONFIG_DIR now points elsewhere: bind there, release here.
    const moved = await cycle(system, bound, NEW_DIR);
    expect(moved.warnings.map((w) => w.code)).toContain("moved-config");
    expect(await system.readFile(`${OLD_DIR}/settings.json`)).toBe(ORIGINAL);
    expect(await system.readFile(`${NEW_DIR}/settings.json`)).toContain(KEY_A);

    // Unbound: the new location is released too, and nothing is left in the ledger.
    const released = await cycle(system, makeConfig({}), NEW_DIR);
    expect(released.warnings).toEqual([]);
    expect(await system.readFile(`${NEW_DIR}/settings.json`)).toBe(ORIGINAL);
    expect(JSON.parse((await system.readFile("/state/ledger.json")) as string).files).toEqual({});
  });
});
