import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { runCli } from "../support/run-cli.js";

/**
 * Sensitivity travels with the value (design.md Trust rules): an `env:` value from a ${VAR}
 * is redacted in plan, plan --json, the saved plan's public part and, after the binding is
 * gone, in the release and restore (whose "before" is that value and "after" the user's own).
 */
const PROXY = "http://me:Pr0xyPassw0rd@proxy.example:3128";
const HEADER = "X-Relay-Auth: hdr-secret-0123456789";
const PRIOR = "http://me:0ldPriorPass@old-proxy:8080";
const ENV = { ...demoEnv(), PROXY_URL: PROXY, CUSTOM_HEADER: HEADER };
const HIDDEN = [PROXY, HEADER, PRIOR, "Pr0xyPassw0rd", "0ldPriorPass", "hdr-secret"];

let gw: FakeGateway;
let home: string;
beforeAll(async () => {
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), "nd-sensitive-"));
  await mkdir(join(home, ".claude"));
  await writeFile(
    join(home, ".claude", "settings.json"),
    `${JSON.stringify({ env: { HTTPS_PROXY: PRIOR } }, null, 2)}\n`,
  );
});

const bound = (url: string) =>
  `${demoConfigYaml(url)}bindings:\n  claude-code:\n    account: personal\n    token: claude\n    env:\n      HTTPS_PROXY: \${PROXY_URL}\n      MY_HEADER_LINE: "\${CUSTOM_HEADER}"\n      PLAIN_SETTING: visible-value\n`;

function expectHidden(text: string) {
  for (const s of HIDDEN) expect(text).not.toContain(s);
}

describe("values from ${VARS} stay redacted", () => {
  it("in plan, plan --json and the saved plan's public part; shown with --show-secrets", async () => {
    await writeFile(join(home, "neuradock.yaml"), bound(gw.url));
    const human = await runCli(["plan"], { home, env: ENV });
    expect(human.code, human.stderr).toBe(0);
    expectHidden(human.stdout + human.stderr);
    expect(human.stdout).toMatch(/~ env\.HTTPS_PROXY: \(sensitive: …8080\) → \(sensitive: …3128\)/);
    expect(human.stdout).toContain('+ env.PLAIN_SETTING = "visible-value"');

    const json = await runCli(["plan", "--json", "--out", "plan.out"], { home, env: ENV });
    expectHidden(json.stdout);
    const changes = JSON.parse(json.stdout).changes as { path: string; sensitive: boolean }[];
    const byPath = Object.fromEntries(changes.map((c) => [c.path, c.sensitive]));
    expect(byPath).toMatchObject({
      "env.HTTPS_PROXY": true,
      "env.MY_HEADER_LINE": true,
      "env.PLAIN_SETTING": false,
    });
    const saved = JSON.parse(await readFile(join(home, "plan.out"), "utf8"));
    const { private: _clear, ...publicPart } = saved;
    expectHidden(JSON.stringify(publicPart));

    const shown = await runCli(["plan", "--show-secrets"], { home, env: ENV });
    expect(shown.stdout).toContain(PROXY);
  });

  it("after the binding is removed: the release and the restored prior value too", async () => {
    await writeFile(join(home, "neuradock.yaml"), bound(gw.url));
    const applied = await runCli(["apply", "-y"], { home, env: ENV });
    expect(applied.code, applied.stderr).toBe(0);
    expectHidden(applied.stdout + applied.stderr);
    const settings = JSON.parse(await readFile(join(home, ".claude", "settings.json"), "utf8"));
    expect(settings.env.HTTPS_PROXY).toBe(PROXY);

    // The binding (and the variables) are gone; only the ledger remembers what was sensitive.
    await writeFile(join(home, "neuradock.yaml"), demoConfigYaml(gw.url));
    const release = await runCli(["plan", "--json"], { home, env: demoEnv() });
    expect(release.code, release.stderr).toBe(0);
    expectHidden(release.stdout);
    const restore = JSON.parse(release.stdout).changes.find(
      (c: { path: string }) => c.path === "env.HTTPS_PROXY",
    );
    expect(restore).toMatchObject({ action: "update", sensitive: true });
    const human = await runCli(["apply", "-y"], { home, env: demoEnv() });
    expect(human.code, human.stderr).toBe(0);
    expectHidden(human.stdout);
    const back = JSON.parse(await readFile(join(home, ".claude", "settings.json"), "utf8"));
    expect(back.env.HTTPS_PROXY).toBe(PRIOR);
  });
});

/**
 * Every other place a ${VAR} value reaches a tool file: the binding's model, a custom node's
 * URL, the account's `url` (the built-in default node). Each must be redacted in plan, plan
 * --json, the saved plan's public part, apply, the ledger-driven release and errors.
 */
describe("every value from a ${VAR} is sensitive, not only env: entries", () => {
  const MODEL = "secret-model-xyz";
  const NODE = "https://secret-node-4711.example";
  const VARS_HIDDEN = [MODEL, NODE, "secret-node-4711"];

  // The relay account's url comes from ${RELAY_URL}: the gateway's own address.
  const yaml = (url: string) =>
    `${demoConfigYaml(url).replaceAll(`url: ${url}`, "url: ${RELAY_URL}")}nodes:\n  newapi:\n    hidden-node: \${NODE_URL}\nbindings:\n` +
    '  claude-code: { account: personal, token: claude, model: "${MY_MODEL}" }\n' +
    '  codex: { account: personal, token: { id: 12 }, model: "${MY_MODEL}", node: hidden-node }\n' +
    '  opencode: { account: personal, token: claude, model: "${MY_MODEL}" }\n' +
    '  gemini-cli: { account: personal, token: claude, model: "${MY_MODEL}", node: hidden-node }\n';

  const cases: { name: string; run: (env: Record<string, string>) => Promise<string> }[] = [
    {
      name: "plan",
      run: async (env) => {
        const r = await runCli(["plan"], { home, env });
        expect(r.code, r.stderr).toBe(0);
        // The changes are shown, redacted.
        expect(r.stdout).toMatch(/\+ env\.ANTHROPIC_MODEL = \(sensitive/);
        return r.stdout + r.stderr;
      },
    },
    {
      name: "plan --json",
      run: async (env) => {
        const r = await runCli(["plan", "--json"], { home, env });
        expect(r.code, r.stderr).toBe(0);
        const changes = JSON.parse(r.stdout).changes as { path: string; sensitive: boolean }[];
        const sensitive = Object.fromEntries(changes.map((c) => [c.path, c.sensitive]));
        expect(sensitive).toMatchObject({
          "env.ANTHROPIC_MODEL": true,
          "env.ANTHROPIC_BASE_URL": true,
          model: true,
          GEMINI_MODEL: true,
          GOOGLE_GEMINI_BASE_URL: true,
          // A key named after the model: the path itself is redacted.
          'provider.personal.models."(sensitive)"': true,
        });
        // Nothing that did not come from a variable is hidden.
        expect(sensitive).toMatchObject({ "model_providers.personal.wire_api": false });
        return r.stdout + r.stderr;
      },
    },
    {
      name: "the saved plan's public part",
      run: async (env) => {
        const r = await runCli(["plan", "--out", "saved.plan"], { home, env });
        expect(r.code, r.stderr).toBe(0);
        const { private: _clear, ...publicPart } = JSON.parse(
          await readFile(join(home, "saved.plan"), "utf8"),
        );
        return r.stdout + r.stderr + JSON.stringify(publicPart);
      },
    },
    {
      name: "apply, then the release after the binding and the variables are gone",
      run: async (env) => {
        const applied = await runCli(["apply", "-y"], { home, env });
        expect(applied.code, applied.stderr).toBe(0);
        // The tools got the clear values.
        const settings = JSON.parse(await readFile(join(home, ".claude", "settings.json"), "utf8"));
        expect(settings.env.ANTHROPIC_MODEL).toBe(MODEL);
        expect(await readFile(join(home, ".codex", "config.toml"), "utf8")).toContain(`${NODE}/v1`);
        await writeFile(join(home, "neuradock.yaml"), demoConfigYaml(gw.url));
        const release = await runCli(["plan", "--json"], { home, env: demoEnv() });
        expect(release.code, release.stderr).toBe(0);
        const paths = (
          JSON.parse(release.stdout).changes as { path: string; sensitive: boolean }[]
        ).filter((c) =>
          /(^|\.)(\w*MODEL|model|\w*BASE_URL|base_url|baseURL)$|\.models\./.test(c.path),
        );
        expect(paths.map((c) => c.path).sort()).toEqual(
          [
            "env.ANTHROPIC_BASE_URL",
            "env.ANTHROPIC_MODEL",
            "model",
            "model_providers.personal.base_url",
            "provider.personal.options.baseURL",
            'provider.personal.models."(sensitive)"',
            "model",
            "GOOGLE_GEMINI_BASE_URL",
            "GEMINI_MODEL",
          ].sort(),
        );
        expect(paths.filter((c) => !c.sensitive)).toEqual([]);
        const released = await runCli(["apply", "-y"], { home, env: demoEnv() });
        expect(released.code, released.stderr).toBe(0);
        return applied.stdout + applied.stderr + release.stdout + released.stdout + released.stderr;
      },
    },
    {
      name: "errors (the relay behind ${RELAY_URL} cannot be reached)",
      run: async (env) => {
        const r = await runCli(["plan"], {
          home,
          env: { ...env, RELAY_URL: "http://127.0.0.1:9/secret-relay-path-0042" },
        });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/error:/);
        return r.stdout + r.stderr;
      },
    },
    {
      name: "config errors (a ${VAR} URL that is refused)",
      run: async (env) => {
        const r = await runCli(["validate"], {
          home,
          env: { ...env, NODE_URL: "http://secret-node-4711.example" },
        });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/must use https/);
        return r.stdout + r.stderr;
      },
    },
    {
      name: "neuradock nodes",
      run: async (env) => {
        const human = await runCli(["nodes"], { home, env });
        const json = await runCli(["nodes", "--json"], { home, env });
        expect(human.stdout).toMatch(/hidden-node\s+\(sensitive/);
        return human.stdout + human.stderr + json.stdout + json.stderr;
      },
    },
  ];

  for (const c of cases) {
    it(`${c.name}: no value from a variable is printed`, async () => {
      await writeFile(join(home, "neuradock.yaml"), yaml(gw.url));
      const env = { ...demoEnv(), MY_MODEL: MODEL, NODE_URL: NODE, RELAY_URL: gw.url };
      const out = await c.run(env);
      for (const s of [
        ...VARS_HIDDEN,
        "secret-relay-path-0042",
        gw.url.replace(/^http:\/\//, ""),
      ]) {
        expect(out).not.toContain(s);
      }
    });
  }

  it("--show-secrets shows them", async () => {
    await writeFile(join(home, "neuradock.yaml"), yaml(gw.url));
    const env = { ...demoEnv(), MY_MODEL: MODEL, NODE_URL: NODE, RELAY_URL: gw.url };
    const r = await runCli(["plan", "--show-secrets"], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(MODEL);
    expect(r.stdout).toContain(NODE);
  });
});
