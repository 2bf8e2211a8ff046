import { execFileSync, spawn } from "node:child_process";
import {
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";

const REPO = resolve(".");
const pkg = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
};

let work: string;
let prefix: string;
let bin: string;
let gw: FakeGateway;

const npm = (args: string[], cwd: string): string =>
  execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    // The tarball must install offline: it may need nothing from the registry.
    env: {
      ...process.env,
      npm_config_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
    },
  });

function runInstalled(
  args: string[],
  opts: { cwd: string; home: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, {
      cwd: opts.cwd,
      env: {
        // Only the prefix's bin and node itself: nothing of the repository is reachable.
        PATH: `${join(prefix, "bin")}:${resolve(process.execPath, "..")}:/usr/bin:/bin`,
        HOME: opts.home,
        NEURADOCK_STATE_DIR: join(opts.home, "state"),
        NO_COLOR: "1",
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "neuradock-pack-"));
  // Pack what a clean clone has (the tracked files, no dist/): prepack must build it.
  const clone = join(work, "clone");
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: REPO, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  for (const file of tracked) {
    await mkdir(dirname(join(clone, file)), { recursive: true });
    await cp(join(REPO, file), join(clone, file));
  }
  // The build tools come from the repository's node_modules (a clean clone runs `npm ci` first).
  await symlink(join(REPO, "node_modules"), join(clone, "node_modules"));
  npm(["pack", "--pack-destination", work], clone); // prepack's build talks on stdout too
  const tarball = (await readdir(work)).find((f) => f.endsWith(".tgz"));
  expect(tarball).toBe(`${pkg.name}-${pkg.version}.tgz`);
  prefix = join(work, "prefix");
  npm(["install", "--global", "--prefix", prefix, join(work, tarball!)], work);
  bin = join(prefix, "bin", "neuradock");
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
});

afterAll(async () => {
  await gw?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the published package (npm pack → npm install -g from the tarball)", () => {
  it("declares no runtime dependency and installs no other package", async () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    const installed = join(prefix, "lib", "node_modules");
    expect(await readdir(installed)).toEqual([pkg.name]);
    const own = join(installed, pkg.name);
    await expect(stat(join(own, "node_modules"))).rejects.toMatchObject({ code: "ENOENT" });
    const files = await readdir(own);
    for (const f of ["dist", "schema", "LICENSE", "README.md", "package.json"]) {
      expect(files).toContain(f);
    }
    // Nothing of the sources or tests is shipped.
    expect(files).not.toContain("src");
    expect(files).not.toContain("test");
  });

  it("runs --version, validate and plan from another directory", async () => {
    const version = await runInstalled(["--version"], { cwd: work, home: work });
    expect(version.stdout.trim()).toBe(pkg.version);
    expect(version.code).toBe(0);

    const home = join(work, "home");
    const elsewhere = join(work, "somewhere", "else");
    await mkdir(elsewhere, { recursive: true });
    // The default location: found from any directory without -c.
    const config = join(home, ".config", "neuradock", "neuradock.yaml");
    await mkdir(join(home, ".config", "neuradock"), { recursive: true });
    await writeFile(
      config,
      `${demoConfigYaml(gw.url)}
bindings:
  claude-code:
    account: personal
    token: claude
`,
    );
    const env = demoEnv();
    const validate = await runInstalled(["validate", "-c", config], { cwd: elsewhere, home, env });
    expect(validate.stderr).toBe("");
    expect(validate.code).toBe(0);

    const plan = await runInstalled(["plan", "--detailed-exitcode"], {
      cwd: elsewhere,
      home,
      env,
    });
    expect(plan.stderr).toBe("");
    expect(plan.stdout).toContain("+ env.ANTHROPIC_AUTH_TOKEN = (sensitive: sk-…1111)");
    expect(plan.stdout).toContain(`+ env.ANTHROPIC_BASE_URL = "${gw.url}"`);
    expect(plan.code).toBe(2);
    for (const secret of demoSecrets()) expect(plan.stdout).not.toContain(secret);
  });
});
