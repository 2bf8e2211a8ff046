import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseToml } from "@decimalturn/toml-patch";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyPlan } from "../../src/apply/apply-plan.js";
import { loadConfig } from "../../src/config/index.js";
import type { Config } from "../../src/config/types.js";
import { NeuradockError } from "../../src/errors.js";
import { createPlan } from "../../src/plan/create-plan.js";
import { createMemorySystem, type MemoryEntry } from "../support/memory-system.js";
import { stubTokenSource } from "../support/stub-token-source.js";

// Seeded, bounded property tests over the three kinds of input neuradock reads: its own
// neuradock.yaml, and the tools' settings.json and config.toml. Whatever the bytes, the
// outcome is a result or a NeuradockError; never a crash, a write on bad input, or a secret.

const SEED = Number(process.env.NEURADOCK_FUZZ_SEED ?? 20261129);
const RUNS = Number(process.env.NEURADOCK_FUZZ_RUNS ?? 150);
const CLI = resolve(process.env.NEURADOCK_CLI ?? "dist/cli.js");

const ENV_SECRETS = {
  FUZZ_SESSION: "fuzz-session-MTcwMDAwMDAwMHxEdi1CQkFFQ18",
  FUZZ_TOKEN: "fuzz-access-token-5f1c2a9e7d3b4c6a8e0f",
  FUZZ_COOKIE: "fuzz-waf-cookie-acw-9d8c7b6a5f4e3d2c1b",
};
const CLAUDE_KEY = "sk-fuzzclaudekey0123456789abcdefghijklmnopqrstuv";
const CODEX_KEY = "sk-fuzzcodexkey0123456789abcdefghijklmnopqrstuvw";
/** A credential of the user's own, planted in the fuzzed files: errors must not quote it. */
const USER_SECRET = "sk-ant-user-own-secret-7f3e9a1b2c4d6e8f";
const SECRETS = [...Object.values(ENV_SECRETS), CLAUDE_KEY, CODEX_KEY, USER_SECRET];

const HOME = "/home/fuzz";
const STATE = "/home/fuzz/.local/state/neuradock";
const SETTINGS = `${HOME}/.claude/settings.json`;
const AUTH = `${HOME}/.codex/auth.json`;
const CONFIG_TOML = `${HOME}/.codex/config.toml`;
const ENV = { HOME, NEURADOCK_STATE_DIR: STATE, ...ENV_SECRETS };

let dir: string;
let bound: Config;
let unbound: Config;

function expectNoSecret(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

/** A thrown value must be a NeuradockError whose whole text carries no secret. */
function expectCleanError(err: unknown): void {
  if (!(err instanceof NeuradockError)) {
    throw new Error(`not a NeuradockError: ${err instanceof Error ? err.stack : String(err)}`);
  }
  expectNoSecret([err.message, ...err.details].join("\n"));
}

function stubTokens() {
  return stubTokenSource((name) => (name === "claude" ? CLAUDE_KEY : CODEX_KEY));
}

async function planAndApply(config: Config, system: ReturnType<typeof createMemorySystem>) {
  const plan = await createPlan({
    config,
    env: ENV,
    system,
    tokenSource: stubTokens(),
    stateDir: STATE,
  });
  return applyPlan(plan, { system, stateDir: STATE });
}

async function changesLeft(config: Config, system: ReturnType<typeof createMemorySystem>) {
  const plan = await createPlan({
    config,
    env: ENV,
    system,
    tokenSource: stubTokens(),
    stateDir: STATE,
  });
  return plan.files.flatMap((f) => f.changes);
}

const CONFIG_HEAD = `version: 1
accounts:
  personal:
    provider: anyrouter
    user_id: 12345
    session: \${FUZZ_SESSION}
    cookies:
      acw_tc: \${FUZZ_COOKIE}
  work:
    provider: agentrouter
    user_id: 678
    access_token: \${FUZZ_TOKEN}
`;
const CONFIG_BINDINGS = `bindings:
  claude-code:
    account: personal
    token: claude
  codex:
    account: work
    token: codex
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "neuradock-fuzz-"));
  writeFileSync(join(dir, "bound.yaml"), CONFIG_HEAD + CONFIG_BINDINGS);
  writeFileSync(join(dir, "unbound.yaml"), CONFIG_HEAD);
  bound = await loadConfig({ configPath: join(dir, "bound.yaml"), cwd: dir, env: ENV });
  unbound = await loadConfig({ configPath: join(dir, "unbound.yaml"), cwd: dir, env: ENV });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------- neuradock.yaml ----------

const secretRef = fc.constantFrom("${FUZZ_SESSION}", "${FUZZ_TOKEN}", "${FUZZ_COOKIE}");
const scalar = fc.oneof(
  secretRef,
  secretRef.map((r) => `"${r}"`),
  secretRef.map((r) => `prefix-${r}-suffix`),
  fc.constantFrom("anyrouter", "agentrouter", "newapi", "12345", "-1", "1.5", "true", "null", "~"),
  fc.constantFrom("https://relay.example.com", "http://10.0.0.1", "ftp://x", "${UNSET_VAR}"),
  fc.constantFrom("$${FUZZ_TOKEN}", "${FUZZ_TOKEN:-default}", "{ id: 7 }", "[1, 2]", "''"),
  fc.string({ maxLength: 12 }),
);
const key = fc.constantFrom(
  "version",
  "accounts",
  "nodes",
  "bindings",
  "provider",
  "user_id",
  "session",
  "access_token",
  "url",
  "cookies",
  "claude-code",
  "codex",
  "account",
  "token",
  "node",
  "model",
  "env",
  "keep_other_credentials",
  "personal",
  "work",
  "Bad Id",
  "openai",
  "id",
);

/** Indented YAML-ish text built from config words and secret references. */
const yamlish: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 3 }), key, fc.option(scalar, { nil: undefined })), {
    maxLength: 25,
  })
  .map((lines) =>
    lines
      .map(([depth, k, v]) => `${"  ".repeat(depth)}${k}:${v === undefined ? "" : ` ${v}`}`)
      .join("\n"),
  );

/** A valid config with one value swapped for a fuzzed one, or a line cut, dropped or doubled. */
const mutatedValid: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...(CONFIG_HEAD + CONFIG_BINDINGS).split("\n").map((_, i) => i)),
    fc.constantFrom("replace", "drop", "double", "cut", "indent"),
    scalar,
    fc.nat(40),
  )
  .map(([at, how, value, cut]) => {
    const lines = (CONFIG_HEAD + CONFIG_BINDINGS).split("\n");
    const line = lines[at] ?? "";
    if (how === "replace" && line.includes(":")) {
      lines[at] = `${line.slice(0, line.indexOf(":") + 1)} ${value}`;
    } else if (how === "drop") lines.splice(at, 1);
    else if (how === "double") lines.splice(at, 0, line);
    else if (how === "cut") lines[at] = line.slice(0, cut % (line.length + 1));
    else lines[at] = ` ${line}`;
    return lines.join("\n");
  });

describe("fuzz: neuradock.yaml", () => {
  it("an unknown account or node read from the environment is never quoted", async () => {
    const file = join(dir, "leak.yaml");
    writeFileSync(
      file,
      `${CONFIG_HEAD}bindings:\n  codex:\n    account: \${FUZZ_TOKEN}\n    token: codex\n`,
    );
    const err = await loadConfig({ configPath: file, cwd: dir, env: ENV }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeuradockError);
    expectCleanError(err);
  });

  it("loadConfig returns a Config or throws a NeuradockError without secrets", async () => {
    let n = 0;
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(yamlish, mutatedValid, mutatedValid, fc.string({ maxLength: 200 })),
        async (text) => {
          const file = join(dir, `c${n++}.yaml`);
          writeFileSync(file, text);
          try {
            await loadConfig({ configPath: file, cwd: dir, env: ENV });
            loaded++;
          } catch (err) {
            expectCleanError(err);
          } finally {
            rmSync(file, { force: true });
          }
        },
      ),
      { seed: SEED, numRuns: RUNS * 2 },
    );
    // The generators reach both outcomes, so the property is not vacuous.
    expect(loaded).toBeGreaterThan(0);
    expect(loaded).toBeLessThan(RUNS * 2);
  });
});

// ---------- settings.json ----------

const jsonLeaf = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(USER_SECRET),
);
const userSettings = fc.record(
  {
    model: fc.constantFrom("opus", "sonnet"),
    permissions: fc.record({ allow: fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }) }),
    env: fc.dictionary(
      fc.oneof(
        fc.constantFrom("ANTHROPIC_API_KEY", "ANTHROPIC_MODEL", "DISABLE_TELEMETRY"),
        fc.string({ maxLength: 8 }),
      ),
      fc.oneof(fc.string({ maxLength: 10 }), fc.constant(USER_SECRET)),
      { maxKeys: 4 },
    ),
    apiKeyHelper: fc.constantFrom("/bin/echo key", USER_SECRET),
    extra: fc.dictionary(
      fc.string({ maxLength: 6 }),
      fc.oneof(jsonLeaf, fc.array(jsonLeaf, { maxLength: 3 })),
      {
        maxKeys: 3,
      },
    ),
  },
  { requiredKeys: [] },
);
const indent = fc.constantFrom<number | string>(0, 2, 4, "\t");
const validSettings = fc
  .tuple(userSettings, indent, fc.boolean())
  .map(([v, ind, nl]) => JSON.stringify(v, null, ind) + (nl ? "\n" : ""));
const brokenSettings = fc.oneof(
  fc.tuple(validSettings, fc.nat()).map(([t, i]) => t.slice(0, i % Math.max(1, t.length))),
  fc
    .tuple(
      validSettings,
      fc.nat(),
      fc.constantFrom(",", "//c\n", "/*x*/", "}", "{", '"', "\u0000", "'"),
    )
    .map(([t, i, junk]) => {
      const at = i % (t.length + 1);
      return t.slice(0, at) + junk + t.slice(at);
    }),
  fc.constantFrom(
    "[]",
    '"text"',
    "42",
    "null",
    "",
    "   ",
    '{"env": []}',
    '{"env": "x"}',
    '{"env": null}',
  ),
  fc.string({ maxLength: 60 }).map((s) => `{"k": "${USER_SECRET}", ${s}`),
);

describe("fuzz: settings.json", () => {
  it("any content: a clean error and no write, or an apply that converges and round-trips", async () => {
    let applied = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(validSettings, brokenSettings), async (text) => {
        const system = createMemorySystem({ [SETTINGS]: text });
        try {
          await planAndApply(bound, system);
        } catch (err) {
          expectCleanError(err);
          expect(system.log.filter((e) => !e.path.startsWith(STATE))).toEqual([]);
          expect(await system.readFile(SETTINGS)).toBe(text);
          expect(await system.readFile(AUTH)).toBeNull();
          expect(await system.readFile(`${STATE}/ledger.json`)).toBeNull();
          refused++;
          return;
        }
        applied++;
        const after = JSON.parse((await system.readFile(SETTINGS)) as string);
        expect(after.env.ANTHROPIC_AUTH_TOKEN).toBe(CLAUDE_KEY);
        expect(after.env.ANTHROPIC_API_KEY).toBeUndefined();
        expect(after.apiKeyHelper).toBeUndefined();
        // An empty settings.json is read as `{}`.
        const before = (text.trim() === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
        for (const k of Object.keys(before)) {
          if (k !== "env" && k !== "apiKeyHelper") expect(after[k]).toEqual(before[k]);
        }
        expect(await changesLeft(bound, system)).toEqual([]);
        // Unbinding gives the user's bytes back.
        await planAndApply(unbound, system);
        const restored = (await system.readFile(SETTINGS)) as string;
        expect(restored.trim() === "" ? {} : JSON.parse(restored)).toEqual(before);
        // Byte for byte, a whitespace-only file included (its blanks are kept in the ledger).
        expect(restored).toBe(text);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(applied).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

// ---------- config.toml ----------

const tomlKey = fc.constantFrom(
  "model",
  "approval_policy",
  "sandbox_mode",
  "name",
  "base_url",
  "web_search",
  "x",
);
const tomlValue = fc.oneof(
  fc.constantFrom(
    '"gpt-5"',
    "true",
    "false",
    "42",
    "1.5",
    "[1, 2]",
    "{ a = 1 }",
    `"${USER_SECRET}"`,
  ),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
);
const tomlLine = fc.oneof(
  fc.tuple(tomlKey, tomlValue).map(([k, v]) => `${k} = ${v}`),
  fc.constantFrom(
    "# a comment",
    "",
    "[features]",
    '[projects."/home/me/src"]',
    "[mcp_servers.docs]",
    "[model_providers.mine]",
    "[model_providers.anyrouter]",
    "[[profiles]]",
  ),
);
const tomlDoc = fc.array(tomlLine, { maxLength: 14 }).map((ls) => `${ls.join("\n")}\n`);
const brokenToml = fc.oneof(
  fc
    .tuple(
      tomlDoc,
      fc.nat(),
      fc.constantFrom("=", "[", '"', "]]", "\u0000", "= =", "\n[features]\n"),
    )
    .map(([t, i, junk]) => {
      const at = i % (t.length + 1);
      return t.slice(0, at) + junk + t.slice(at);
    }),
  fc.string({ maxLength: 40 }).map((s) => `key = "${USER_SECRET}"\n${s}`),
);

describe("fuzz: config.toml", () => {
  it("any content: a clean error and no write, or an apply that converges and round-trips", async () => {
    let applied = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(tomlDoc, tomlDoc, brokenToml), async (text) => {
        const seed: Record<string, MemoryEntry> = { [CONFIG_TOML]: text };
        const system = createMemorySystem(seed);
        try {
          await planAndApply(bound, system);
        } catch (err) {
          expectCleanError(err);
          expect(await system.readFile(CONFIG_TOML)).toBe(text);
          expect(await system.readFile(AUTH)).toBeNull();
          expect(await system.readFile(SETTINGS)).toBeNull();
          refused++;
          return;
        }
        applied++;
        const after = parseToml((await system.readFile(CONFIG_TOML)) as string) as Record<
          string,
          unknown
        >;
        expect(after.model_provider).toBe("agentrouter");
        const providers = after.model_providers as Record<string, Record<string, unknown>>;
        expect(providers.agentrouter?.base_url).toBe("https://agentrouter.org/v1");
        expect(await changesLeft(bound, system)).toEqual([]);
        await planAndApply(unbound, system);
        const restored = (await system.readFile(CONFIG_TOML)) as string;
        expect(parseToml(restored)).toEqual(parseToml(text));
        expect(restored).toBe(text);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(applied).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});

// ---------- through the built CLI ----------

// Loopback with nothing listening: tests never leave 127.0.0.1.
const CLI_CONFIG = `version: 1
accounts:
  personal:
    provider: newapi
    url: http://127.0.0.1:9
    user_id: 12345
    session: \${FUZZ_SESSION}
  work:
    provider: newapi
    url: http://127.0.0.1:9
    user_id: 678
    access_token: \${FUZZ_TOKEN}
${CONFIG_BINDINGS}`;

describe("fuzz: a few broken files through the built CLI", () => {
  it("plan and apply -y exit 1 with one clean error and leave the files alone", () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build with \`npx tsup\` first`);
    const settingsSamples = fc.sample(
      brokenSettings.filter((t) => t.trim() !== ""),
      { seed: SEED, numRuns: 3 },
    );
    const tomlSamples = fc.sample(brokenToml, { seed: SEED, numRuns: 2 });
    const cases = [
      ...settingsSamples.map((t) => ({ file: ".claude/settings.json", text: t })),
      ...tomlSamples.map((t) => ({ file: ".codex/config.toml", text: t })),
    ];
    for (const c of cases) {
      const home = mkdtempSync(join(tmpdir(), "neuradock-fuzz-cli-"));
      try {
        mkdirSync(join(home, ".claude"));
        mkdirSync(join(home, ".codex"));
        writeFileSync(join(home, c.file), c.text);
        writeFileSync(join(home, "neuradock.yaml"), CLI_CONFIG);
        for (const args of [["plan"], ["apply", "-y"]]) {
          const r = spawnSync(process.execPath, [CLI, ...args], {
            cwd: home,
            env: {
              PATH: process.env.PATH ?? "",
              ...ENV,
              HOME: home,
              NEURADOCK_STATE_DIR: join(home, "state"),
            },
            encoding: "utf8",
            timeout: 30_000,
          });
          // A parse problem, or (when the broken text still parses) the unreachable relay.
          expect(r.status, r.stderr).toBe(1);
          expect(r.stderr).toMatch(/^error: /);
          expect(r.stderr).not.toMatch(/^\s+at /m);
          expect(r.stderr).not.toContain("internal error");
          expectNoSecret(r.stdout + r.stderr);
          expect(existsSync(join(home, "state", "ledger.json"))).toBe(false);
        }
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }
  });
});

// Found by the properties above (removal gave back the same document, not the same bytes),
// fixed since, and kept as plain regression cases.
describe("fuzz findings: removal is byte-exact", () => {
  const roundTrip = async (file: string, text: string) => {
    const system = createMemorySystem({ [file]: text });
    await planAndApply(bound, system);
    await planAndApply(unbound, system);
    return system.readFile(file);
  };
  it("config.toml: a comment at the end of the top-level keys is kept", async () => {
    expect(await roundTrip(CONFIG_TOML, 'model = "gpt-5"\n# keep me\n')).toBe(
      'model = "gpt-5"\n# keep me\n',
    );
  });
  it("config.toml: a blank line after the last top-level key is kept", async () => {
    expect(await roundTrip(CONFIG_TOML, 'model = "gpt-5"\n\n')).toBe('model = "gpt-5"\n\n');
  });
  it("config.toml: a blank line before the first table is kept", async () => {
    expect(await roundTrip(CONFIG_TOML, "\n[features]\nx = 1\n")).toBe("\n[features]\nx = 1\n");
  });
  it("config.toml: a file of only comments comes back as it was", async () => {
    expect(await roundTrip(CONFIG_TOML, "# only a note\n")).toBe("# only a note\n");
  });
  it("settings.json: minified JSON keeps its spacing around a restored key", async () => {
    const text = '{"apiKeyHelper":"/bin/echo key"}';
    expect(await roundTrip(SETTINGS, text)).toBe(text);
  });
  it("settings.json: an empty file comes back empty", async () => {
    expect(await roundTrip(SETTINGS, "")).toBe("");
  });
});
