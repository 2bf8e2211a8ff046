import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { restrictPlan, runApply } from "../../../src/commands/apply.js";
import type { Io } from "../../../src/commands/io.js";
import { AbortedError } from "../../../src/errors.js";
import type { Plan } from "../../../src/plan/types.js";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  type FakeGateway,
  startFakeGateway,
} from "../../support/fake-gateway/index.js";

let home: string;
let gw: FakeGateway;
let config: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "nd-run-apply-"));
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
  config = join(home, "neuradock.yaml");
  await writeFile(
    config,
    `${demoConfigYaml(gw.url)}\nbindings:\n  claude-code:\n    account: personal\n    token: claude\n`,
  );
});
afterEach(async () => {
  await gw.close();
  await rm(home, { recursive: true, force: true });
});

function makeIo(answer: string | null, tty = true) {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from(answer === null ? [] : [answer]),
    env: { HOME: home, NEURADOCK_STATE_DIR: join(home, "state"), ...demoEnv() },
    cwd: home,
    stdoutIsTTY: tty,
    stdinIsTTY: tty,
    stderrIsTTY: tty,
    color: false,
  };
  return { io, out: () => stdout, err: () => stderr };
}

const settings = () => join(home, ".claude", "settings.json");

describe("runApply confirmation on a terminal", () => {
  it("applies after 'yes'", async () => {
    const t = makeIo("yes\n");
    expect(await runApply({ config }, t.io)).toBe(0);
    expect(t.out()).toContain("Apply these changes? (yes/no)");
    expect(t.out()).toMatch(/Apply complete: 2 added, 0 changed, 0 removed\./);
    expect(JSON.parse(await readFile(settings(), "utf8")).env.ANTHROPIC_BASE_URL).toBe(gw.url);
  });

  for (const [label, answer] of [
    ["no", "no\n"],
    ["y", "y\n"],
    ["end of input", null],
  ] as const) {
    it(`does nothing after ${label}`, async () => {
      const t = makeIo(answer);
      await expect(runApply({ config }, t.io)).rejects.toBeInstanceOf(AbortedError);
      expect(existsSync(settings())).toBe(false);
      expect(existsSync(join(home, "state", "ledger.json"))).toBe(false);
      expect(existsSync(join(home, "state", "apply.lock"))).toBe(false);
    });
  }

  it("with --json the question goes to stderr and stdout stays JSON", async () => {
    const t = makeIo("yes\n");
    expect(await runApply({ config, json: true }, t.io)).toBe(0);
    expect(t.err()).toContain("Apply these changes? (yes/no)");
    // What is being approved is shown too, before the question.
    expect(t.err().indexOf("+ env.ANTHROPIC_BASE_URL")).toBeGreaterThanOrEqual(0);
    expect(t.err().indexOf("+ env.ANTHROPIC_BASE_URL")).toBeLessThan(t.err().indexOf("(yes/no)"));
    expect(JSON.parse(t.out()).applied.summary).toEqual({ create: 2, update: 0, delete: 0 });
  });
});

describe("restrictPlan", () => {
  it("keeps only the chosen tools' files, ledger entries and warnings", () => {
    const fp = (tool: "claude-code" | "codex", file: string) =>
      ({ tool, file, changes: [] }) as unknown as Plan["files"][number];
    const plan: Plan = {
      tools: ["claude-code", "codex"],
      files: [fp("claude-code", "/s"), fp("codex", "/a")],
      warnings: [
        { code: "drift", tool: "codex", message: "x" },
        { code: "drift", message: "general" },
      ],
      ledger: { "/s": null, "/a": null },
    };
    const r = restrictPlan(plan, ["claude-code"]);
    expect(r.tools).toEqual(["claude-code"]);
    expect(r.files.map((f) => f.file)).toEqual(["/s"]);
    expect(Object.keys(r.ledger)).toEqual(["/s"]);
    expect(r.warnings.map((w) => w.message)).toEqual(["general"]);
    expect(restrictPlan(plan, undefined)).toBe(plan);
  });
});
