import { describe, expect, it } from "vitest";
import { detectSetups } from "../../../src/init/detect.js";
import { ADAPTERS } from "../../../src/targets/adapters.js";
import { formatKeyPath, parseKeyPath } from "../../../src/targets/key-path.js";
import { locateTargets } from "../../../src/targets/locate.js";
import { QWEN_ENTRY, qwenSettingsAdapter } from "../../../src/targets/qwen-code.js";
import { createMemorySystem } from "../../support/memory-system.js";
import {
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

const FILE = `${HOME}/.qwen/settings.json`;
const relay = makeAccount("personal", "newapi");
const NODE = "https://relay.example.com";
const bound = makeConfig(
  { "qwen-code": makeBinding("qwen-code", { nodeUrl: NODE, model: "qwen3-coder-plus" }) },
  [relay],
);
const unbound = makeConfig({}, [relay]);
const tokens = { "qwen-code": makeToken(KEY_A) };
const OURS = {
  id: "qwen3-coder-plus",
  baseUrl: `${NODE}/v1`,
  envKey: "NEURADOCK_QWEN_CODE_API_KEY",
};

/** A user's own setup: comments, another provider entry of the same id, their own key. */
const USER = `{
  // my Qwen Code settings
  "general": { "vimMode": true },
  "security": { "auth": { "selectedType": "qwen-oauth", "apiKey": "sk-user-own" } },
  "env": { "OPENAI_API_KEY": "sk-user-env" },
  "modelProviders": {
    "openai": [
      { "id": "qwen3-coder-plus", "baseUrl": "https://mine.example/v1", "envKey": "OPENAI_API_KEY" }
    ]
  },
  "$version": 4
}
`;

async function bindAndRead(text: string | undefined) {
  const system = createMemorySystem(text === undefined ? {} : { [FILE]: text });
  const first = await runCycle(system, bound, tokens);
  const after = (await system.readFile(FILE)) as string;
  return { system, first, after };
}

describe("qwen-code adapter", () => {
  it("is found under $QWEN_HOME (which replaces ~/.qwen), else ~/.qwen", () => {
    expect(locateTargets({ HOME }, "linux")["qwen-settings"]?.path).toBe(FILE);
    expect(locateTargets({ HOME, QWEN_HOME: "/q" }, "linux")["qwen-settings"]?.path).toBe(
      "/q/settings.json",
    );
    expect(locateTargets({ HOME, QWEN_HOME: "~/qq" }, "linux")["qwen-settings"]?.path).toBe(
      `${HOME}/qq/settings.json`,
    );
  });

  it("names its array element by envKey, in the ledger and the plan", () => {
    expect(formatKeyPath(QWEN_ENTRY)).toBe(
      "modelProviders.openai[envKey=NEURADOCK_QWEN_CODE_API_KEY]",
    );
    expect(parseKeyPath(formatKeyPath(QWEN_ENTRY))).toEqual(QWEN_ENTRY);
    // An object key that only looks like a selector still round-trips.
    expect(parseKeyPath(formatKeyPath(["a", "[b=c]", "d"]))).toEqual(["a", "[b=c]", "d"]);
  });

  it("adds its entry after the user's, keeps everything else, converges, and gives the bytes back", async () => {
    const { system, first, after } = await bindAndRead(USER);
    const doc = JSON.parse(after.replace(/^\s*\/\/.*$/m, ""));
    expect(doc.modelProviders.openai).toEqual([
      { id: "qwen3-coder-plus", baseUrl: "https://mine.example/v1", envKey: "OPENAI_API_KEY" },
      OURS,
    ]);
    expect(doc.env).toEqual({ OPENAI_API_KEY: "sk-user-env", NEURADOCK_QWEN_CODE_API_KEY: KEY_A });
    expect(doc.security.auth).toEqual({ selectedType: "openai", apiKey: "sk-user-own" });
    expect(doc.model).toEqual({ name: "qwen3-coder-plus", baseUrl: `${NODE}/v1` });
    expect(after).toContain("// my Qwen Code settings");
    expect(after).toContain('"general": { "vimMode": true },');
    const paths = first.plan.files.flatMap((f) => f.changes.map((c) => formatKeyPath(c.path)));
    expect(paths.sort()).toEqual(
      [
        "env.NEURADOCK_QWEN_CODE_API_KEY",
        "model.baseUrl",
        "model.name",
        "modelProviders.openai[envKey=NEURADOCK_QWEN_CODE_API_KEY]",
        "security.auth.selectedType",
      ].sort(),
    );
    const again = await planOnly(system, bound, tokens, first.ledger);
    expect(again.files.flatMap((f) => f.changes)).toEqual([]);
    await runCycle(system, unbound, {}, first.ledger);
    expect(await system.readFile(FILE)).toBe(USER);
  });

  it("a hand edit inside its entry is drift, set back in place; a new key updates it", async () => {
    const { system, first, after } = await bindAndRead(USER);
    const edited = after.replace(
      `"baseUrl": "${NODE}/v1",\n        "envKey"`,
      `"baseUrl": "https://evil.example/v1",\n        "envKey"`,
    );
    expect(edited).not.toBe(after);
    await system.writeFileAtomic(FILE, edited, { mode: 0o600 });
    const drift = await planOnly(system, bound, tokens, first.ledger);
    const changes = drift.files.flatMap((f) => f.changes);
    expect(changes.map((c) => [formatKeyPath(c.path), c.action, c.reason])).toEqual([
      ["modelProviders.openai[envKey=NEURADOCK_QWEN_CODE_API_KEY]", "update", "drift"],
    ]);
    expect(drift.warnings.map((w) => w.message).join("\n")).toMatch(/changed by hand/);
    const fixed = await runCycle(system, bound, tokens, first.ledger);
    expect(await system.readFile(FILE)).toBe(after);
    const rotated = await runCycle(system, bound, { "qwen-code": makeToken(KEY_B) }, fixed.ledger);
    const text = (await system.readFile(FILE)) as string;
    expect(text).toContain(KEY_B);
    expect(text).not.toContain(KEY_A);
    await runCycle(system, unbound, {}, rotated.ledger);
    expect(await system.readFile(FILE)).toBe(USER);
  });

  it("an entry of the user's with our envKey is updated in place and given back as it was", async () => {
    const theirs = USER.replace(
      '"envKey": "OPENAI_API_KEY" }',
      '"envKey": "OPENAI_API_KEY" },\n      {"id":"old","envKey":"NEURADOCK_QWEN_CODE_API_KEY" , "x": [1,2]}',
    );
    const { system, first, after } = await bindAndRead(theirs);
    expect(after).not.toContain('"id":"old"');
    expect(after.match(/NEURADOCK_QWEN_CODE_API_KEY/g)?.length).toBe(2);
    await runCycle(system, unbound, {}, first.ledger);
    expect(await system.readFile(FILE)).toBe(theirs);
  });

  it("a second entry with our envKey (ours copied by hand) is refused at its line, not half-owned", async () => {
    const { system, first, after } = await bindAndRead(USER);
    const copied = after.replace(
      '"openai": [\n',
      `"openai": [\n      {"id":"copy","baseUrl":"https://mine.example/v1","envKey":"NEURADOCK_QWEN_CODE_API_KEY"},\n`,
    );
    expect(copied).not.toBe(after);
    await system.writeFileAtomic(FILE, copied, { mode: 0o600 });
    // Ours, spread over lines: its `{` is the line before its "id", two before its own baseUrl.
    const line = copied.split("\n").findIndex((l) => l.includes(`"baseUrl": "${NODE}/v1",`)) - 1;
    for (const config of [bound, unbound]) {
      await expect(planOnly(system, config, tokens, first.ledger)).rejects.toThrow(
        new RegExp(
          `settings\\.json:${line}:\\d+: modelProviders\\.openai has a second entry with envKey`,
        ),
      );
    }
    expect(() =>
      qwenSettingsAdapter.parse(
        FILE,
        '{ "modelProviders": { "openai": [ { "envKey": "NEURADOCK_QWEN_CODE_API_KEY" }, { "envKey": "X" }, { "envKey": "NEURADOCK_QWEN_CODE_API_KEY" } ] } }',
      ),
    ).toThrow(/settings\.json:1:99: modelProviders\.openai has a second entry/);
  });

  it("empty and missing arrays: created, then removed to the very bytes", async () => {
    for (const text of [
      '{\n  "modelProviders": { "openai": [] }\n}\n',
      '{\n  "modelProviders": {\n    "openai": [\n    ]\n  }\n}\n',
      '{\n  "modelProviders": { "anthropic": [ { "id": "c" } ] }\n}\n',
      '{"modelProviders":{"openai":[{"id":"a"}]}}',
      // A one-line array in a file of many lines: ours joins that line.
      '{\n  "modelProviders": {\n    "openai": [1, "x", null, [], { "id": "a" }]\n  }\n}\n',
      '{\n  "modelProviders": {\n    "openai": [{"id":"a"},{"id":"b"}]\n  }\n}\n',
      '{\n\t"modelProviders": {\n\t\t"openai": [\n\t\t\t{ "id": "a" }, // first\n\t\t\t{ "id": "b" }\n\t\t]\n\t}\n}\n',
      '{\r\n  "modelProviders": {\r\n    "openai": [\r\n      { "id": "a" } // mine\r\n    ]\r\n  }\r\n}\r\n',
      '\uFEFF{ "modelProviders": { "openai": [ { "id": "a" }, ] } }\n',
      '{\n  "modelProviders": {\n    "openai": [\n      /* none yet */\n    ]\n  }\n}\n',
      "",
    ]) {
      const { system, first, after } = await bindAndRead(text);
      const doc = qwenSettingsAdapter.parse(FILE, after) as {
        modelProviders: { openai: unknown[] };
      };
      expect(doc.modelProviders.openai.at(-1), text).toEqual(OURS);
      await runCycle(system, unbound, {}, first.ledger);
      expect(await system.readFile(FILE), text).toBe(text);
    }
  });

  it("a fresh home: creates settings.json and deletes it on removal", async () => {
    const { system, first, after } = await bindAndRead(undefined);
    expect(JSON.parse(after)).toEqual({
      env: { NEURADOCK_QWEN_CODE_API_KEY: KEY_A },
      modelProviders: { openai: [OURS] },
      security: { auth: { selectedType: "openai" } },
      model: { name: "qwen3-coder-plus", baseUrl: `${NODE}/v1` },
    });
    await runCycle(system, unbound, {}, first.ledger);
    expect(await system.readFile(FILE)).toBeNull();
  });

  it("refuses a modelProviders.openai that is not an array, naming the line", () => {
    expect(() =>
      qwenSettingsAdapter.parse(FILE, '{\n  "modelProviders": { "openai": { "id": "x" } }\n}'),
    ).toThrow(/settings\.json:2:\d+: "modelProviders\.openai" must be an array/);
  });

  it("warns about custom headers the client would add to every request", async () => {
    const system = createMemorySystem({
      [FILE]: '{ "model": { "generationConfig": { "customHeaders": { "X-Org": "secret" } } } }',
    });
    const plan = await planOnly(system, bound, tokens);
    expect(plan.warnings.map((w) => w.code)).toContain("provider-auth-override");
  });

  it("init reads back the entry model.name and model.baseUrl select, and its key", () => {
    const doc = qwenSettingsAdapter.parse(
      FILE,
      JSON.stringify({
        security: { auth: { selectedType: "openai" } },
        env: { MY_KEY: "sk-mine" },
        modelProviders: {
          openai: [
            { id: "m", baseUrl: "https://other.example/v1", envKey: "X" },
            { id: "m", baseUrl: "https://relay.example.com/v1", envKey: "MY_KEY" },
          ],
        },
        model: { name: "m", baseUrl: "https://relay.example.com/v1" },
      }),
    );
    expect(qwenSettingsAdapter.detect?.(doc)).toEqual({
      nodeUrl: NODE,
      key: "sk-mine",
      model: "m",
    });
    const target = {
      id: "qwen-settings",
      tool: "qwen-code" as const,
      path: FILE,
      format: "jsonc" as const,
      credential: true,
    };
    const { setups } = detectSetups(
      [{ kind: "present", target, text: "", sha256: "", doc, mode: 0o600 }],
      ADAPTERS,
    );
    expect(setups.map((s) => [s.tool, s.nodeUrl, s.key?.reveal(), s.model])).toEqual([
      ["qwen-code", NODE, "sk-mine", "m"],
    ]);
    // Qwen OAuth: nothing to adopt.
    expect(
      qwenSettingsAdapter.detect?.({ security: { auth: { selectedType: "qwen-oauth" } } }),
    ).toEqual({});
  });
});
