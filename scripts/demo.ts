/**
 * `npm run demo`: the whole tool, end to end, against the fake new-api relay on 127.0.0.1,
 * in a throw-away HOME and state dir. It never reads or writes the real home.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  DEMO_ACCOUNTS,
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  startFakeGateway,
} from "../test/support/fake-gateway/index.js";

const CLI = resolve(import.meta.dirname, "..", "dist", "cli.js");
const out = process.stdout;
const color = Boolean(out.isTTY) && !process.env.NO_COLOR;
const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[22m` : s);

const EXISTING_SETTINGS = `{
  "permissions": {
    "allow": ["Bash(npm test)", "Read(~/projects/**)"]
  },
  "statusLine": { "type": "command", "command": "~/.claude/statusline.sh" },
  "env": {
    "DISABLE_TELEMETRY": "1"
  }
}
`;

function bindingsYaml(withCodex: boolean): string {
  const lines = [
    "",
    "nodes:",
    "  newapi:",
    "    backup: http://localhost:PORT        # a custom node beside the built-in default",
    "",
    "bindings:",
    "  claude-code:",
    "    account: personal",
    "    token: claude",
    "    model: claude-sonnet-4-5",
  ];
  if (withCodex) {
    lines.push("  codex:", "    account: personal", "    token: codex", "    node: backup");
  }
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), "neuradock-demo-"));
  const home = join(root, "home");
  const gateway = await startFakeGateway({
    users: structuredClone(DEMO_USERS),
    maskKeys: true,
    envelope: "paged",
    pageBase: 1,
  });
  const port = new URL(gateway.url).port;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    NEURADOCK_STATE_DIR: join(root, "state"),
    ...demoEnv(),
    ...(color ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" }),
  };
  try {
    await mkdir(join(home, ".claude"), { recursive: true });
    await writeFile(join(home, ".claude", "settings.json"), EXISTING_SETTINGS);
    const configFile = join(home, "neuradock.yaml");
    await writeFile(
      configFile,
      demoConfigYaml(gateway.url) + bindingsYaml(true).replace("PORT", port),
    );

    out.write(`${bold("neuradock demo")}\n`);
    out.write(
      `  fake relay:  ${gateway.url} (accounts: ${DEMO_ACCOUNTS.map((a) => a.account).join(", ")})\n`,
    );
    out.write(`  throw-away HOME: ${home}\n`);
    out.write(`  config: ${configFile}\n`);

    const steps: [string, string[], number[]][] = [
      ["Check the config (no network)", ["validate"], [0]],
      ["The tokens of every account", ["tokens"], [0]],
      ["What would change", ["plan"], [0]],
      ["Write it", ["apply", "-y"], [0]],
      ["Plan again: nothing left to do", ["plan", "--detailed-exitcode"], [0]],
    ];
    for (const [title, args, ok] of steps) await step(title, args, ok, env, home);

    await showFile(
      "settings.json now (your keys kept, ours added)",
      join(home, ".claude", "settings.json"),
    );

    const text = await readFile(configFile, "utf8");
    await writeFile(
      configFile,
      text.replace(
        bindingsYaml(true).replace("PORT", port),
        bindingsYaml(false).replace("PORT", port),
      ),
    );
    out.write(`\n${bold("==> Remove the codex binding from neuradock.yaml")}\n`);
    await step("Plan: the removals", ["plan"], [0], env, home);
    await step("Apply the removals", ["apply", "-y"], [0], env, home);
    await step("Plan again", ["plan"], [0], env, home);
    out.write(`\n${bold("Demo complete.")} Your real home was not touched.\n`);
    return 0;
  } catch (err) {
    out.write(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await gateway.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** settings.json with the key redacted: the demo prints no secret, even a fake one. */
async function showFile(title: string, path: string): Promise<void> {
  out.write(`\n${bold(`==> ${title}`)}\n`);
  const text = await readFile(path, "utf8");
  out.write(text.replace(/"sk-[^"]*(.{4})"/g, '"(sensitive: sk-…$1)"').replace(/^/gm, "    "));
}

function step(
  title: string,
  args: string[],
  ok: number[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<void> {
  out.write(`\n${bold(`==> ${title}: neuradock ${args.join(" ")}`)}\n`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Both streams in arrival order, printed whole lines at a time, indented under the heading.
    let text = "";
    child.stdout.on("data", (d: Buffer) => (text += d.toString()));
    child.stderr.on("data", (d: Buffer) => (text += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      out.write(text.replace(/^(?=.)/gm, "    "));
      if (code !== null && ok.includes(code)) done();
      else fail(new Error(`\`neuradock ${args.join(" ")}\` exited with ${code}`));
    });
  });
}

process.exitCode = await main();
