import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { CLI, runCli } from "../support/run-cli.js";

// relay.md §1 "Slow relays": progress on a terminal (a pseudo-terminal made by util-linux
// `script`), nothing on a pipe.
const hasScript = spawnSync("script", ["--version"]).status === 0;

let home: string;
let gw: FakeGateway | undefined;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "nd-progress-"));
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await rm(home, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    NEURADOCK_STATE_DIR: join(home, "state"),
    NO_COLOR: "1",
    NEURADOCK_HTTP_BACKOFF_MS: "10",
    TERM: "xterm",
    ...demoEnv(),
  };
}

/**
 * Runs the CLI on a pseudo-terminal; `onOutput` sees the terminal's bytes as they come.
 * Resolves with everything written (stdout and stderr share the terminal) and the exit code.
 */
function onTerminal(
  args: string[],
  onOutput: (soFar: string) => void = () => {},
): Promise<{ code: number; out: string }> {
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`);
  return new Promise((done, fail) => {
    const child = spawn("script", ["-qfec", cmd.join(" "), "/dev/null"], {
      cwd: home,
      env: env(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      onOutput(out);
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, out }));
    child.stdin.end();
  });
}

async function setup(opts: Partial<Parameters<typeof startFakeGateway>[0]> = {}) {
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS), ...opts });
  const file = join(home, "neuradock.yaml");
  await writeFile(
    file,
    `${demoConfigYaml(gw.url)}bindings:\n  claude-code: { account: personal, token: claude }\n`,
  );
  return file;
}

describe.skipIf(!hasScript)("progress on a terminal", () => {
  it("says what it is fetching while a slow relay has not answered yet", async () => {
    const file = await setup({ faults: [{ kind: "delay", ms: 1500, path: "/api/token/" }] });
    let seenWhileWaiting: boolean | undefined;
    const r = await onTerminal(["tokens", "--refresh", "personal", "-c", file], (out) => {
      if (seenWhileWaiting === undefined && out.includes("fetching tokens")) {
        // Drawn before the relay answered the listing: no listing request has ended yet.
        seenWhileWaiting = gw!.state.log.every((e) => e.path !== "/api/token/" || !e.endedAt);
      }
    });
    expect(r.code).toBe(0);
    expect(seenWhileWaiting).toBe(true);
    expect(r.out).toMatch(/fetching tokens \(0\/1 accounts\) — personal: /);
    expect(r.out).toMatch(/11\s+claude/);
  });

  it("reports each retry as it happens, with its reason and attempt n of m", async () => {
    const file = await setup({
      faults: [{ kind: "status", status: 502, path: "/api/token/", times: 2 }],
    });
    const r = await onTerminal(["plan", "-c", file]);
    expect(r.code).toBe(0);
    const retries = r.out.match(/↻ personal: [^\r\n]*/g) ?? [];
    expect(retries).toEqual([
      expect.stringMatching(/GET \/api\/token\/: HTTP 502; retrying \(attempt 2 of 3\)$/),
      expect.stringMatching(/GET \/api\/token\/: HTTP 502; retrying \(attempt 3 of 3\)$/),
    ]);
    expect(r.out).toContain("reading the relays");
    for (const s of demoSecrets()) expect(r.out).not.toContain(s);
  });

  it("writes nothing on stderr on a pipe, retries included", async () => {
    const file = await setup({
      faults: [{ kind: "status", status: 502, path: "/api/token/", times: 2 }],
    });
    const piped = await runCli(["plan", "-c", file], { home, env: demoEnv() });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe("");
    const json = await runCli(["tokens", "--json", "--refresh", "-c", file], {
      home,
      env: demoEnv(),
    });
    expect(json.stderr).toBe("");
    expect(() => JSON.parse(json.stdout)).not.toThrow();
  });
});
