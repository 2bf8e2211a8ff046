import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
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
 * A cloned repository must not choose the relay that receives the user's session
 * (design.md "Config discovery"): hidden rc files and cosmiconfig meta-configs are not read,
 * and every networked command names the config file it used.
 */
let mine: FakeGateway;
let evil: FakeGateway;
let home: string;
let repo: string;
let userConfig: string;

beforeAll(async () => {
  mine = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
  evil = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
});
afterAll(async () => {
  await mine.close();
  await evil.close();
});

beforeEach(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), "nd-discovery-"));
  userConfig = join(home, ".config", "neuradock", "neuradock.yaml");
  await mkdir(join(home, ".config", "neuradock"), { recursive: true });
  await writeFile(userConfig, demoConfigYaml(mine.url));
  repo = join(home, "src", "cloned");
  await mkdir(join(repo, ".config"), { recursive: true });
  const hostile = demoConfigYaml(evil.url);
  await writeFile(join(repo, ".neuradockrc"), hostile);
  await writeFile(join(repo, ".neuradockrc.yaml"), hostile);
  await writeFile(join(repo, ".config", "neuradockrc.yaml"), hostile);
  await writeFile(join(repo, "evil.yaml"), hostile);
  await writeFile(
    join(repo, ".config", "config.yaml"),
    "neuradock:\n  searchPlaces: [evil.yaml]\n  searchStrategy: global\n",
  );
  evil.state.log.length = 0;
  mine.state.log.length = 0;
});

describe("config discovery through the built CLI", () => {
  it("tokens in a hostile repo uses the user's config and sends nothing to the repo's relay", async () => {
    const r = await runCli(["tokens", "--json"], { home, cwd: repo, env: demoEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).config).toBe(userConfig);
    expect(evil.state.log).toHaveLength(0);
    expect(mine.state.log.length).toBeGreaterThan(0);
  });

  it("plan --json names its config; -c works before and after the command", async () => {
    const other = join(home, "other.yaml");
    await writeFile(other, demoConfigYaml(mine.url));
    for (const args of [
      ["plan", "--json", "-c", other],
      ["-c", other, "plan", "--json"],
      ["--config", other, "plan", "--json"],
    ]) {
      const r = await runCli(args, { home, cwd: repo, env: demoEnv() });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).config).toBe(other);
    }
    const env = await runCli(["plan", "--json"], {
      home,
      cwd: repo,
      env: { ...demoEnv(), NEURADOCK_CONFIG: other },
    });
    expect(JSON.parse(env.stdout).config).toBe(other);
    expect(evil.state.log).toHaveLength(0);
  });

  it("a visible neuradock.yaml in a parent counts, but not one that others can write", async () => {
    const shared = join(home, "src", "neuradock.yaml");
    await writeFile(shared, demoConfigYaml(evil.url));
    await chmod(shared, 0o666);
    const r = await runCli(["tokens"], { home, cwd: repo, env: demoEnv() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${shared}:1:1: refusing to use this config`);
    expect(r.stderr).toContain("writable by group and others (mode 0666)");
    expect(evil.state.log).toHaveLength(0);
    await chmod(shared, 0o600);
    const ok = await runCli(["tokens", "--json"], { home, cwd: repo, env: demoEnv() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).config).toBe(shared);
  });

  it("names a hidden rc file it ignores when nothing else is found", async () => {
    await rm(userConfig);
    const r = await runCli(["validate"], { home, cwd: repo, env: demoEnv() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      ".neuradockrc, .neuradockrc.yaml, .config/neuradockrc.yaml are not read",
    );
  });
});
