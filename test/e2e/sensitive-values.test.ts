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
