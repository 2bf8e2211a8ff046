import { describe, expect, it } from "vitest";
import { createPlan } from "../../../src/plan/create-plan.js";
import { parseDotenvTarget } from "../../../src/targets/dotenv-file.js";
import { locateTargets } from "../../../src/targets/locate.js";
import { protocolWarnings } from "../../../src/targets/protocols.js";
import { createMemorySystem } from "../../support/memory-system.js";
import { stubTokenSource } from "../../support/stub-token-source.js";
import {
  GEMINI_ENV,
  GEMINI_SETTINGS,
  HOME,
  KEY_A,
  KEY_B,
  makeAccount,
  makeBinding,
  makeConfig,
  makeToken,
  planOnly,
  runCycle,
} from "../plan/support.js";

const relay = makeAccount("personal", "newapi");
const bound = makeConfig(
  {
    "gemini-cli": makeBinding("gemini-cli", {
      nodeUrl: "https://relay.example.com",
      model: "gemini-2.5-pro",
    }),
  },
  [relay],
);
const unbound = makeConfig({}, [relay]);
const tokens = { "gemini-cli": makeToken(KEY_A) };

const USER_ENV = [
  "# my gemini setup",
  "export GOOGLE_API_KEY='user-google-key-0002'   # vertex, sometimes",
  'GEMINI_API_KEY="user-own-gemini-key-0001"',
  "GOOGLE_CLOUD_PROJECT=my-project",
  "",
].join("\n");
const USER_SETTINGS = `{
  // Gemini CLI settings
  "general": { "vimMode": true },
  "security": {
    "auth": {
      "selectedType": "oauth-personal" /* my Google login */
    }
  },
  "privacy": { "usageStatisticsEnabled": false }
}
`;

describe("gemini-cli adapter", () => {
  it("is found in ~/.gemini, or under $GEMINI_CLI_HOME", () => {
    expect(locateTargets({ HOME }, "linux")["gemini-env"]?.path).toBe(GEMINI_ENV);
    const moved = locateTargets({ HOME, GEMINI_CLI_HOME: "/g" }, "linux");
    expect(moved["gemini-env"]?.path).toBe("/g/.gemini/.env");
    expect(moved["gemini-settings"]?.path).toBe("/g/.gemini/settings.json");
  });

  it("binds over a user's own setup, converges, takes drift back, and gives the bytes back", async () => {
    const system = createMemorySystem({ [GEMINI_ENV]: USER_ENV, [GEMINI_SETTINGS]: USER_SETTINGS });
    const first = await runCycle(system, bound, tokens);
    const paths = first.plan.files.flatMap((f) => f.changes.map((c) => c.path.join(".")));
    expect(paths.sort()).toEqual(
      [
        "GEMINI_API_KEY",
        "GEMINI_MODEL",
        "GOOGLE_GEMINI_BASE_URL",
        "security.auth.selectedType",
      ].sort(),
    );
    const env = (await system.readFile(GEMINI_ENV)) as string;
    expect(parseDotenvTarget(GEMINI_ENV, env)).toEqual({
      GOOGLE_API_KEY: "user-google-key-0002",
      GEMINI_API_KEY: KEY_A,
      GOOGLE_CLOUD_PROJECT: "my-project",
      GOOGLE_GEMINI_BASE_URL: "https://relay.example.com",
      GEMINI_MODEL: "gemini-2.5-pro",
    });
    // The user's quoting and comments stay; only the value changed in its line.
    expect(env).toContain(`GEMINI_API_KEY="${KEY_A}"\n`);
    const settings = (await system.readFile(GEMINI_SETTINGS)) as string;
    expect(settings).toBe(
      USER_SETTINGS.replace('"oauth-personal" /* my', '"gemini-api-key" /* my'),
    );

    const again = await planOnly(system, bound, tokens, first.ledger);
    expect(again.files.flatMap((f) => f.changes)).toEqual([]);

    // A hand edit of an owned value is drift: reported and put back.
    await system.writeFileAtomic(GEMINI_ENV, env.replace(KEY_A, "sk-hand-edited"), { mode: 0o600 });
    const drift = await runCycle(system, bound, tokens, first.ledger);
    expect(drift.plan.warnings.map((w) => w.code)).toContain("drift");
    expect(await system.readFile(GEMINI_ENV)).toBe(env);

    // A rotated key changes one value.
    const rotated = await runCycle(system, bound, { "gemini-cli": makeToken(KEY_B) }, drift.ledger);
    expect(rotated.plan.files.flatMap((f) => f.changes.map((c) => c.path.join(".")))).toEqual([
      "GEMINI_API_KEY",
    ]);

    await runCycle(system, unbound, {}, rotated.ledger);
    expect(await system.readFile(GEMINI_ENV)).toBe(USER_ENV);
    expect(await system.readFile(GEMINI_SETTINGS)).toBe(USER_SETTINGS);
  });

  it("a fresh home: creates both files (the key one 0600) and deletes them on removal", async () => {
    const system = createMemorySystem({});
    const first = await runCycle(system, bound, tokens);
    expect(await system.readFile(GEMINI_ENV)).toBe(
      `GEMINI_API_KEY=${KEY_A}\nGOOGLE_GEMINI_BASE_URL=https://relay.example.com\nGEMINI_MODEL=gemini-2.5-pro\n`,
    );
    expect(JSON.parse((await system.readFile(GEMINI_SETTINGS)) as string)).toEqual({
      security: { auth: { selectedType: "gemini-api-key" } },
    });
    await runCycle(system, unbound, {}, first.ledger);
    expect(await system.readFile(GEMINI_ENV)).toBeNull();
    expect(await system.readFile(GEMINI_SETTINGS)).toBeNull();
  });

  it("refuses a settings.json whose security.auth is not an object, by file:line:col", async () => {
    const system = createMemorySystem({
      [GEMINI_SETTINGS]: '{\n  // c\n  "security": { "auth": "oauth" }\n}\n',
    });
    await expect(planOnly(system, bound, tokens)).rejects.toThrow(
      `${GEMINI_SETTINGS}:3:25: "security.auth" must be an object`,
    );
  });

  it("warns when the shell exports a variable that beats ~/.gemini/.env, and about a relay not known to speak Gemini", async () => {
    const system = createMemorySystem({});
    const onAnyrouter = makeConfig({ "gemini-cli": makeBinding("gemini-cli") });
    const plan = await createPlan({
      config: onAnyrouter,
      env: { HOME, GEMINI_API_KEY: "sk-shell-key-should-not-print" },
      system,
      tokenSource: stubTokenSource(() => KEY_A),
      stateDir: "/state",
    });
    const warnings = plan.warnings.filter(
      (w) => w.code === "shell-override" || w.code === "protocol",
    );
    expect(warnings.map((w) => w.code).sort()).toEqual(["protocol", "shell-override"]);
    expect(JSON.stringify(warnings)).not.toContain("sk-shell-key");
    expect(warnings.find((w) => w.code === "protocol")?.message).toMatch(
      /^\/cfg\/neuradock\.yaml:1:1: Gemini CLI speaks Gemini .* AnyRouter is not known to serve/,
    );
    expect(protocolWarnings(bound)).toEqual([]);
  });
});
