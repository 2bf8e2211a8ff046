import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliSync } from "../support/run-cli.js";

const _CLI = resolve(process.env.NEURADOCK_CLI ?? "dist/cli.js");

let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "neuradock-nodes-e2e-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const run = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  runCliSync(args, { home, cwd, env });

const BUILTINS = [
  { provider: "anyrouter", name: "default", url: "https://anyrouter.top", builtin: true },
  {
    provider: "anyrouter",
    name: "cn-shanghai",
    url: "https://a-ocnfniawgw.cn-shanghai.fcapp.run",
    builtin: true,
  },
  {
    provider: "anyrouter",
    name: "cn-nb1",
    url: "https://pmpjfbhq.cn-nb1.rainapp.top",
    builtin: true,
  },
  { provider: "agentrouter", name: "default", url: "https://agentrouter.org", builtin: true },
  { provider: "newapi", name: "default", url: null, builtin: true },
];

const CONFIG = `version: 1
accounts:
  me:
    provider: anyrouter
    user_id: 1
    session: \${S}
nodes:
  anyrouter:
    my-private: https://api.example.com/v1/
  newapi:
    lab: http://127.0.0.1:8080
`;

describe("neuradock nodes (built CLI)", () => {
  it("lists the built-in nodes when there is no config at all", async () => {
    const dir = await mkdtemp(join(home, "none-"));
    const r = run(["nodes"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "PROVIDER     NODE         URL                                         SOURCE",
        "anyrouter    default      https://anyrouter.top                       built-in",
        "anyrouter    cn-shanghai  https://a-ocnfniawgw.cn-shanghai.fcapp.run  built-in",
        "anyrouter    cn-nb1       https://pmpjfbhq.cn-nb1.rainapp.top         built-in",
        "agentrouter  default      https://agentrouter.org                     built-in",
        "newapi       default      (the account's url)                         built-in",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toBe("(no neuradock.yaml found: built-in nodes only)\n");
    expect(JSON.parse(run(["nodes", "--json"], dir).stdout)).toEqual(BUILTINS);
  });

  it("adds the custom nodes of the config, marked as custom", async () => {
    const dir = await mkdtemp(join(home, "cfg-"));
    await writeFile(join(dir, "neuradock.yaml"), CONFIG);
    const r = run(["nodes", "--json"], dir, { S: "session-secret-0000" });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      ...BUILTINS.slice(0, 3),
      { provider: "anyrouter", name: "my-private", url: "https://api.example.com", builtin: false },
      BUILTINS[3],
      BUILTINS[4],
      { provider: "newapi", name: "lab", url: "http://127.0.0.1:8080", builtin: false },
    ]);
    const table = run(["nodes", "anyrouter"], dir, { S: "session-secret-0000" });
    expect(table.stdout).toMatch(/my-private +https:\/\/api\.example\.com +custom\n/);
    expect(table.stdout).not.toContain("agentrouter");
    expect(table.stderr).toBe("");
  });

  it("needs no account variables (secrets, user_id): those unset are fine, others are not", async () => {
    const dir = await mkdtemp(join(home, "cfg-"));
    await writeFile(join(dir, "neuradock.yaml"), CONFIG.replace("user_id: 1", "user_id: ${UID}"));
    const r = run(["nodes", "--json"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toContainEqual(expect.objectContaining({ name: "my-private" }));
    await writeFile(
      join(dir, "neuradock.yaml"),
      CONFIG.replace("https://api.example.com", "${NODE_URL}"),
    );
    const missing = run(["nodes"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NODE_URL");
  });

  it("filters by provider", async () => {
    const dir = await mkdtemp(join(home, "filter-"));
    const r = run(["nodes", "agentrouter", "--json"], dir);
    expect(JSON.parse(r.stdout)).toEqual([BUILTINS[3]]);
  });

  it("rejects an unknown provider with a suggestion", async () => {
    const r = run(["nodes", "agentroutr"], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: unknown provider 'agentroutr' — did you mean 'agentrouter'? (expected one of anyrouter, agentrouter, newapi)\n",
    );
  });

  it("reports a broken config instead of ignoring it", async () => {
    const dir = await mkdtemp(join(home, "broken-"));
    await writeFile(
      join(dir, "neuradock.yaml"),
      "version: 1\nnodes:\n  anyrouter:\n    default: https://x.example.com\n",
    );
    const r = run(["nodes"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: neuradock.yaml:4:5: custom node 'default' would shadow the built-in anyrouter node 'default'; choose another name\n",
    );
    expect(r.stdout).toBe("");
  });

  it("fails when -c names a missing file", () => {
    const r = run(["nodes", "-c", "missing.yaml"], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: missing.yaml:1:1: no such file\n");
  });
});
