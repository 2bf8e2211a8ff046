import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/main.js";
import { stateDir } from "../../../src/system/paths.js";
import { captureIo } from "../../support/capture-io.js";

/** design.md "Trust rules" → Config values; the error cases are in the broken corpus. */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nd-trust-rules-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LITERAL = "MTcwMDAwMDAwMHxsaXRlcmFsLXNlc3Npb24tdmFsdWU";

async function validate(yaml: string, env: NodeJS.ProcessEnv = {}) {
  await writeFile(join(dir, "neuradock.yaml"), yaml);
  const io = captureIo({ cwd: dir, env: { HOME: dir, ...env } });
  const code = await main(["validate"], io);
  return { code, out: io.out(), err: io.err() };
}

describe("validate warns about a literal secret in the file", () => {
  it("names file:line:col and the variable to use, never the value", async () => {
    const r = await validate(
      [
        "version: 1",
        "accounts:",
        "  my-relay:",
        "    provider: anyrouter",
        "    user_id: 1",
        `    session: ${LITERAL}`,
        "  work:",
        "    provider: agentrouter",
        "    user_id: 2",
        "    access_token: ${WORK_TOKEN}",
        "",
      ].join("\n"),
      { WORK_TOKEN: "from-the-environment-0123456789" },
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("neuradock.yaml is valid");
    expect(r.err).toBe(
      "warning: neuradock.yaml:6:14: accounts.my-relay.session is written in the file itself: a secret in neuradock.yaml travels with every copy of it; write ${MY_RELAY_SESSION} and export the variable instead\n",
    );
    expect(r.err).not.toContain(LITERAL);
  });

  it("says nothing when every secret comes from ${VAR} (a default included)", async () => {
    const r = await validate(
      "version: 1\naccounts:\n  a:\n    provider: anyrouter\n    user_id: 1\n    session: ${S:-fallback-value-123}\n",
      {},
    );
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
  });
});

describe("NEURADOCK_STATE_DIR", () => {
  it("must be absolute", () => {
    expect(() => stateDir({ HOME: "/h", NEURADOCK_STATE_DIR: "state" }, "linux")).toThrow(
      /NEURADOCK_STATE_DIR must be an absolute path, not 'state'/,
    );
  });

  it("a relative one fails plan before any request, exit 1", async () => {
    await writeFile(
      join(dir, "neuradock.yaml"),
      "version: 1\naccounts:\n  a:\n    provider: newapi\n    url: http://127.0.0.1:9\n    user_id: 1\n    session: ${S}\nbindings:\n  codex: { account: a, token: x }\n",
    );
    const io = captureIo({
      cwd: dir,
      env: { HOME: dir, S: "s", NEURADOCK_STATE_DIR: "rel/state" },
    });
    expect(await main(["plan"], io)).toBe(1);
    expect(io.err()).toContain("NEURADOCK_STATE_DIR must be an absolute path");
  });
});

describe("a model from ${VAR} that comes out empty", () => {
  const yaml = (model: string) =>
    `version: 1\naccounts:\n  a:\n    provider: newapi\n    url: https://relay.example.com\n    user_id: 1\n    access_token: \${T}\nbindings:\n  qwen-code:\n    account: a\n    token: t\n    model: "${model}"\n`;

  it("is an error naming file:line:col (a blank model too), not a provider entry with id ''", async () => {
    for (const [model, env] of [
      ["${QWEN_MODEL}", { QWEN_MODEL: "" }],
      ["${QWEN_MODEL:-}", {}],
      ["${QWEN_MODEL}", { QWEN_MODEL: "   " }],
      ["  ", {}],
    ] as const) {
      const r = await validate(yaml(model), { T: "access-token-0123456789", ...env });
      expect(r.code, model).toBe(1);
      expect(r.err, model).toMatch(
        /neuradock\.yaml:12:\d+: bindings\.qwen-code\.model (is empty|must not be empty)/,
      );
    }
  });

  it("a model that is there stays valid", async () => {
    const r = await validate(yaml("${QWEN_MODEL}"), {
      T: "access-token-0123456789",
      QWEN_MODEL: "qwen3-coder-plus",
    });
    expect(r.code, r.err).toBe(0);
  });
});
