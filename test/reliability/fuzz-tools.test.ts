import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyPlan } from "../../src/apply/apply-plan.js";
import { loadConfig } from "../../src/config/index.js";
import type { Config } from "../../src/config/types.js";
import { NeuradockError } from "../../src/errors.js";
import { createPlan } from "../../src/plan/create-plan.js";
import { parseDotenvTarget } from "../../src/targets/dotenv-file.js";
import { opencodeConfigAdapter } from "../../src/targets/opencode.js";
import { QWEN_KEY_ENV, qwenSettingsAdapter } from "../../src/targets/qwen-code.js";
import type { JsonObject } from "../../src/targets/types.js";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { createMemorySystem } from "../support/memory-system.js";
import { stubTokenSource } from "../support/stub-token-source.js";

// The files of the tools of tools.md, fuzzed like settings.json and config.toml (fuzz.test.ts):
// Qwen Code's settings.json (JSONC, an owned array element), opencode.json (JSONC) and Gemini
// CLI's .env. Whatever the bytes: a clean error and no write, or an apply that converges and
// whose removal gives the very bytes back. Then samples of each through the built CLI against
// the fake relay.

const SEED = Number(process.env.NEURADOCK_FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.NEURADOCK_FUZZ_RUNS ?? 150);
const CLI = resolve(process.env.NEURADOCK_CLI ?? "dist/cli.js");

const KEY = "sk-fuzztoolskey0123456789abcdefghijklmnopqrstuv";
/** A credential of the user's own, planted in the fuzzed files: errors must not quote it. */
const USER_SECRET = "sk-user-own-tools-secret-3c5e7a9b1d2f4e6a";
const ENV_SECRETS = { FUZZ_TOKEN: "fuzz-tools-access-token-8b7c6d5e4f3a2b1c" };
const SECRETS = [KEY, USER_SECRET, ...Object.values(ENV_SECRETS)];

const HOME = "/home/fuzz";
const STATE = `${HOME}/.local/state/neuradock`;
const FILES = {
  qwen: `${HOME}/.qwen/settings.json`,
  opencode: `${HOME}/.config/opencode/opencode.json`,
  gemini: `${HOME}/.gemini/.env`,
};
const ENV = { HOME, NEURADOCK_STATE_DIR: STATE, ...ENV_SECRETS };

const HEAD = `version: 1
accounts:
  personal:
    provider: newapi
    url: https://relay.example.com
    user_id: 12345
    access_token: \${FUZZ_TOKEN}
`;
const BINDINGS = (account: string) => `bindings:
  qwen-code:
    account: ${account}
    token: claude
    model: qwen3-coder-plus
  opencode:
    account: ${account}
    token: claude
    model: claude-sonnet-4-5
  gemini-cli:
    account: ${account}
    token: claude
    model: gemini-2.5-pro
`;

let dir: string;
let bound: Config;
let unbound: Config;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "neuradock-fuzz-tools-"));
  writeFileSync(join(dir, "bound.yaml"), HEAD + BINDINGS("personal"));
  writeFileSync(join(dir, "unbound.yaml"), HEAD);
  bound = await loadConfig({ configPath: join(dir, "bound.yaml"), cwd: dir, env: ENV });
  unbound = await loadConfig({ configPath: join(dir, "unbound.yaml"), cwd: dir, env: ENV });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectNoSecret(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

function expectCleanError(err: unknown): void {
  if (!(err instanceof NeuradockError)) {
    throw new Error(`not a NeuradockError: ${err instanceof Error ? err.stack : String(err)}`);
  }
  expectNoSecret([err.message, ...err.details].join("\n"));
}

const tokens = () => stubTokenSource(() => KEY, ["claude"]);

async function planAndApply(config: Config, system: ReturnType<typeof createMemorySystem>) {
  const plan = await createPlan({
    config,
    env: ENV,
    system,
    tokenSource: tokens(),
    stateDir: STATE,
  });
  return applyPlan(plan, { system, stateDir: STATE });
}

async function changesLeft(config: Config, system: ReturnType<typeof createMemorySystem>) {
  const plan = await createPlan({
    config,
    env: ENV,
    system,
    tokenSource: tokens(),
    stateDir: STATE,
  });
  return plan.files.flatMap((f) => f.changes);
}

// ---------- generators ----------

// The user's secret goes where credentials go (apiKey, env): a plan may show a model name.
const word = fc.oneof(
  fc.constantFrom("a", "qwen3-coder-plus", "https://mine.example/v1", ""),
  fc.string({ maxLength: 8 }),
);
const leaf = fc.oneof(word, fc.integer(), fc.boolean(), fc.constant(null));

/** JSON text of `value` as people write it: any indent, maybe a comment, a trailing comma, CRLF. */
function jsoncText(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc
    .tuple(
      value,
      fc.constantFrom<number | string>(0, 2, 4, "\t"),
      fc.constantFrom("", "// mine", "/* mine */"),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([v, ind, comment, trailing, crlf, nl]) => {
      let text = JSON.stringify(v, null, ind);
      if (comment && text.startsWith("{\n")) text = `{\n${comment}${text.slice(1)}`;
      else if (comment) text = `${comment}\n${text}`;
      if (trailing) text = text.replace(/(["\d\]}el])(\s*)\}$/, "$1,$2}");
      if (crlf) text = text.replace(/\n/g, "\r\n");
      return text + (nl ? (crlf ? "\r\n" : "\n") : "");
    });
}

function broken(valid: fc.Arbitrary<string>, shapes: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(valid, fc.nat()).map(([t, i]) => t.slice(0, i % Math.max(1, t.length))),
    fc
      .tuple(valid, fc.nat(), fc.constantFrom(",", "}", "{", "[", '"', "\u0000", "'", "]"))
      .map(([t, i, junk]) => {
        const at = i % (t.length + 1);
        return t.slice(0, at) + junk + t.slice(at);
      }),
    fc.constantFrom("[]", '"text"', "42", "null", ...shapes),
    fc.string({ maxLength: 40 }).map((s) => `{"k": "${USER_SECRET}", ${s}`),
  );
}

const qwenEntry = fc.oneof(
  fc.record(
    {
      id: fc.constantFrom("qwen3-coder-plus", "other"),
      baseUrl: fc.constantFrom("https://mine.example/v1", "https://relay.example.com/v1"),
      envKey: fc.constantFrom("OPENAI_API_KEY", "MY_KEY", QWEN_KEY_ENV),
      name: word,
    },
    { requiredKeys: ["id"] },
  ),
  leaf,
);
const qwenValue = fc.record(
  {
    general: fc.record({ vimMode: fc.boolean() }),
    security: fc.record(
      {
        auth: fc.record(
          {
            selectedType: fc.constantFrom("openai", "qwen-oauth", "anthropic"),
            apiKey: fc.constant(USER_SECRET),
            baseUrl: fc.constant("https://mine.example/v1"),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    env: fc.dictionary(
      fc.constantFrom("OPENAI_API_KEY", "MY_KEY", QWEN_KEY_ENV, "DEBUG"),
      fc.oneof(word, fc.constant(USER_SECRET)),
      { maxKeys: 3 },
    ),
    modelProviders: fc.record(
      {
        openai: fc.array(qwenEntry, { maxLength: 4 }),
        anthropic: fc.array(qwenEntry, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
    model: fc.record({ name: word, baseUrl: word }, { requiredKeys: [] }),
    $version: fc.constantFrom(3, 4),
  },
  { requiredKeys: [] },
);
const qwenFile = jsoncText(qwenValue);
const qwenBroken = broken(qwenFile, [
  '{"modelProviders": {"openai": {}}}',
  '{"modelProviders": []}',
  '{"env": []}',
  '{"security": {"auth": "openai"}}',
]);

const opencodeValue = fc.record(
  {
    $schema: fc.constant("https://opencode.ai/config.json"),
    provider: fc.dictionary(
      fc.constantFrom("mine", "personal", "anthropic"),
      fc.record(
        {
          npm: fc.constantFrom("@ai-sdk/anthropic", "@ai-sdk/openai-compatible"),
          options: fc.record(
            { baseURL: word, apiKey: fc.constant(USER_SECRET), timeout: fc.integer() },
            { requiredKeys: [] },
          ),
          models: fc.dictionary(fc.constantFrom("m1", "claude-sonnet-4-5"), fc.constant({}), {
            maxKeys: 2,
          }),
        },
        { requiredKeys: [] },
      ),
      { maxKeys: 2 },
    ),
    model: fc.constantFrom("mine/m1", "personal/claude-sonnet-4-5", "anthropic/x"),
    autoupdate: fc.boolean(),
  },
  { requiredKeys: [] },
);
const opencodeFile = jsoncText(opencodeValue);
const opencodeBroken = broken(opencodeFile, [
  '{"provider": []}',
  '{"provider": {"personal": 1}}',
  '{"provider": {"personal": {"options": "x"}}}',
]);

const envKey = fc.constantFrom(
  "GEMINI_API_KEY",
  "GOOGLE_GEMINI_BASE_URL",
  "GEMINI_MODEL",
  "GOOGLE_API_KEY",
  "DEBUG",
);
const envValue = fc.oneof(
  fc.constantFrom("", "v", "two words", USER_SECRET, "https://x.example"),
  fc.string({ maxLength: 8 }).filter((s) => !/[\r\n'"`#\\]/.test(s)),
);
const envLine = fc.oneof(
  fc
    .tuple(
      envKey,
      envValue,
      fc.constantFrom("", "'", '"'),
      fc.constantFrom("", "export "),
      fc.constantFrom("=", " = "),
      fc.constantFrom("", " # note"),
    )
    .map(([k, v, q, ex, sep, c]) => ({
      k,
      line: `${ex}${k}${sep}${q}${q ? v : v.trim()}${q}${c}`,
    })),
  fc.constantFrom("", "# comment", "   ", "#GEMINI_API_KEY=old").map((line) => ({ k: "", line })),
);
const envFile = fc
  .tuple(fc.array(envLine, { maxLength: 8 }), fc.constantFrom("\n", "\r\n"), fc.boolean())
  .map(([lines, eol, final]) => {
    const seen = new Set<string>();
    const kept = lines.filter((l) => l.k === "" || (!seen.has(l.k) && seen.add(l.k)));
    const text = kept.map((l) => l.line).join(eol);
    return text === "" ? "" : text + (final ? eol : "");
  });
const envBroken = fc.oneof(
  fc.tuple(envFile, fc.nat()).map(([t, i]) => {
    const at = i % (t.length + 1);
    return `${t.slice(0, at)}GEMINI_API_KEY="unterminated\n${t.slice(at)}`;
  }),
  fc.constantFrom('A="x\n', "GEMINI_API_KEY='a\nB=1\n", `KEY="${USER_SECRET}\n`),
);

// ---------- properties ----------

interface Subject {
  name: string;
  file: string;
  valid: fc.Arbitrary<string>;
  broken: fc.Arbitrary<string>;
  /** The file as bound holds the binding's values. */
  checkBound(text: string): void;
}

const SUBJECTS: Subject[] = [
  {
    name: "Qwen Code settings.json (JSONC, an owned array element)",
    file: FILES.qwen,
    valid: qwenFile,
    broken: qwenBroken,
    checkBound(text) {
      const doc = qwenSettingsAdapter.parse(FILES.qwen, text) as JsonObject & {
        modelProviders: { openai: JsonObject[] };
        env: JsonObject;
      };
      expect(doc.env[QWEN_KEY_ENV]).toBe(KEY);
      const ours = doc.modelProviders.openai.filter((e) => e?.envKey === QWEN_KEY_ENV);
      expect(ours[0]).toEqual({
        id: "qwen3-coder-plus",
        baseUrl: "https://relay.example.com/v1",
        envKey: QWEN_KEY_ENV,
      });
    },
  },
  {
    name: "opencode.json (JSONC)",
    file: FILES.opencode,
    valid: opencodeFile,
    broken: opencodeBroken,
    checkBound(text) {
      const doc = opencodeConfigAdapter.parse(FILES.opencode, text) as JsonObject & {
        provider: { personal: { options: JsonObject } };
      };
      expect(doc.provider.personal.options.apiKey).toBe(KEY);
      expect(doc.model).toBe("personal/claude-sonnet-4-5");
    },
  },
  {
    name: "Gemini CLI .env",
    file: FILES.gemini,
    valid: envFile,
    broken: envBroken,
    checkBound(text) {
      const doc = parseDotenvTarget(FILES.gemini, text);
      expect(doc.GEMINI_API_KEY).toBe(KEY);
      expect(doc.GOOGLE_GEMINI_BASE_URL).toBe("https://relay.example.com");
    },
  },
];

for (const s of SUBJECTS) {
  describe(`fuzz: ${s.name}`, () => {
    it("any content: a clean error and no write, or an apply that converges and round-trips", async () => {
      let applied = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(fc.oneof(s.valid, s.valid, s.broken), async (text) => {
          const system = createMemorySystem({ [s.file]: text });
          try {
            await planAndApply(bound, system);
          } catch (err) {
            expectCleanError(err);
            expect(system.log.filter((e) => !e.path.startsWith(STATE))).toEqual([]);
            expect(await system.readFile(s.file)).toBe(text);
            expect(await system.readFile(`${STATE}/ledger.json`)).toBeNull();
            refused++;
            return;
          }
          applied++;
          s.checkBound((await system.readFile(s.file)) as string);
          expect(await changesLeft(bound, system)).toEqual([]);
          await planAndApply(unbound, system);
          expect(await system.readFile(s.file)).toBe(text);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      expect(applied).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  });
}

// ---------- through the built CLI ----------

describe("fuzz: the tools' files through the built CLI, against the fake relay", () => {
  let gw: FakeGateway;
  beforeAll(async () => {
    gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("apply -y, converged, removal byte for byte; a broken file: exit 1, one clean error, untouched", async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build with \`npx tsup\` first`);
    const secrets = [...demoSecrets(), USER_SECRET];
    // Asynchronous: the fake relay answers from this very process.
    const cli = async (home: string, args: string[]) => {
      const r = await runCli(home, args);
      for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      return r;
    };
    let counted = 0;
    for (const s of SUBJECTS) {
      const samples = [
        ...fc.sample(s.valid, { seed: SEED, numRuns: 3 }).map((text) => ({ text, ok: true })),
        ...fc
          .sample(s.broken, { seed: SEED, numRuns: 6 })
          .filter((text) => !parses(s, text))
          .slice(0, 2)
          .map((text) => ({ text, ok: false })),
      ];
      for (const { text, ok } of samples) {
        const home = mkdtempSync(join(tmpdir(), "neuradock-fuzz-tools-cli-"));
        const file = join(home, s.file.slice(HOME.length + 1));
        try {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, text);
          const yaml = join(home, "neuradock.yaml");
          writeFileSync(yaml, demoConfigYaml(gw.url) + BINDINGS("personal"));
          const apply = await cli(home, ["apply", "-y"]);
          if (!ok) {
            expect(apply.status, apply.stderr).toBe(1);
            expect(apply.stderr).toMatch(/^error: /);
            expect(apply.stderr).toContain(file);
            expect(readFileSync(file, "utf8")).toBe(text);
            expect(existsSync(join(home, "state", "ledger.json"))).toBe(false);
            counted++;
            continue;
          }
          expect(apply.status, apply.stderr).toBe(0);
          const again = await cli(home, ["plan", "--detailed-exitcode"]);
          expect(again.status, again.stdout).toBe(0);
          writeFileSync(yaml, demoConfigYaml(gw.url));
          const removal = await cli(home, ["apply", "-y"]);
          expect(removal.status, removal.stderr).toBe(0);
          expect(readFileSync(file, "utf8")).toBe(text);
          counted++;
        } finally {
          rmSync(home, { recursive: true, force: true });
        }
      }
    }
    expect(counted).toBeGreaterThanOrEqual(SUBJECTS.length * 4);
  });
});

function parses(s: Subject, text: string): boolean {
  try {
    if (s.file === FILES.gemini) parseDotenvTarget(s.file, text);
    else if (s.file === FILES.qwen) qwenSettingsAdapter.parse(s.file, text);
    else opencodeConfigAdapter.parse(s.file, text);
    return true;
  } catch {
    return false;
  }
}

function runCli(
  home: string,
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: home,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        NEURADOCK_STATE_DIR: join(home, "state"),
        NO_COLOR: "1",
        ...demoEnv(),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

// Found by the properties above, fixed since, and kept as plain regression cases.
describe("fuzz findings: removal is byte-exact", () => {
  const roundTrip = async (file: string, text: string) => {
    const system = createMemorySystem({ [file]: text });
    await planAndApply(bound, system);
    await planAndApply(unbound, system);
    return system.readFile(file);
  };
  it("a one-line JSONC object after a comment line stays one line", async () => {
    for (const text of ['/* mine */\n{"modelProviders":{}}', '// mine\n{"provider":{}}']) {
      const file = text.includes('provider"') ? FILES.opencode : FILES.qwen;
      expect(await roundTrip(file, text)).toBe(text);
    }
  });
  it(".env: a value the user wrote with a stray quote comes back as written", async () => {
    const text = "GEMINI_API_KEY='a\nB=1\n";
    expect(await roundTrip(FILES.gemini, text)).toBe(text);
  });
});
