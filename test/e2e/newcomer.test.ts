import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { runCli } from "../support/run-cli.js";

/**
 * A newcomer with Claude Code and Codex already set up on a relay follows the README to the
 * letter: the variables it names, then its commands in its order. The first plan is empty.
 */
const readme = await readFile(join(import.meta.dirname, "../../README.md"), "utf8");
const section = readme.slice(
  readme.indexOf("## From an AnyRouter account"),
  readme.indexOf("## neuradock.yaml reference"),
);
/** The `neuradock …` lines of the section's shell blocks, in order, without comments. */
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split("\n"))
  .map((l) => l.replace(/#.*$/, "").trim())
  .filter((l) => l.startsWith("neuradock "))
  .map((l) => l.split(/\s+/).slice(1));

const RELAY = DEMO_USERS[2]!;
let gw: FakeGateway;
let home: string;

beforeAll(async () => {
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS), maskKeys: true });
  home = await mkdtemp(join(tmpdir(), "neuradock-newcomer-"));
});
afterAll(async () => {
  await gw.close();
  await rm(home, { recursive: true, force: true });
});

describe("a newcomer, following the README", () => {
  it("the README names the variables init uses for a new-api relay, and the commands", () => {
    expect(section).toContain("export ANYROUTER_USER_ID=");
    expect(section).toContain("export ANYROUTER_SESSION=");
    expect(section).toMatch(
      /`NEWAPI_\*` for any other new-api relay \(`_USER_ID`, and `_SESSION` or\s+`_ACCESS_TOKEN`\)/,
    );
    expect(commands.map((c) => c[0])).toEqual(["init", "validate", "tokens", "plan", "apply"]);
  });

  it("init → validate → tokens → plan: the first plan has no changes", async () => {
    const key = `sk-${RELAY.tokens[0]!.key}`;
    const settings = `{\n  "model": "opus",\n  "env": {\n    "ANTHROPIC_AUTH_TOKEN": "${key}",\n    "ANTHROPIC_BASE_URL": "${gw.url}"\n  }\n}\n`;
    const config = [
      "# my codex",
      'model_provider = "myrelay"',
      "",
      "[model_providers.myrelay]",
      'name = "My relay"',
      `base_url = "${gw.url}/v1"`,
      'wire_api = "responses"',
      "requires_openai_auth = true",
      "",
      '[projects."/home/me/code"]',
      'trust_level = "trusted"',
      "",
    ].join("\n");
    await mkdir(join(home, ".claude"));
    await mkdir(join(home, ".codex"));
    // The key files private, as Codex keeps auth.json (one others can read gets tightened).
    await writeFile(join(home, ".claude", "settings.json"), settings, { mode: 0o600 });
    await writeFile(join(home, ".codex", "config.toml"), config);
    await writeFile(join(home, ".codex", "auth.json"), `{"OPENAI_API_KEY": "${key}"}\n`, {
      mode: 0o600,
    });
    // Step 3, for a relay that is neither AnyRouter nor AgentRouter.
    const env = { NEWAPI_USER_ID: String(RELAY.id), NEWAPI_ACCESS_TOKEN: RELAY.accessToken! };

    const outputs: string[] = [];
    for (const argv of commands.filter((c) => c[0] !== "apply")) {
      const r = await runCli(argv, { home, env });
      outputs.push(r.stdout, r.stderr);
      expect(r.code, `neuradock ${argv.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
      if (argv[0] === "init") {
        expect(r.stdout).toContain("bound to token 'main' (id 31) of account 'myrelay'");
      }
      if (argv[0] === "plan") expect(r.stdout).toContain("No changes.");
    }
    // Nothing was written to the tools' files, and nothing secret was printed.
    expect(await readFile(join(home, ".claude", "settings.json"), "utf8")).toBe(settings);
    expect(await readFile(join(home, ".codex", "config.toml"), "utf8")).toBe(config);
    for (const out of outputs) for (const s of demoSecrets()) expect(out).not.toContain(s);
  });
});
