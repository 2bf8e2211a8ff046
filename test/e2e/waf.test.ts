import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { runCli } from "../support/run-cli.js";

// relay.md §1: the AnyRouter WAF is answered, not reported — through the built CLI.
let home: string;
const gateways: FakeGateway[] = [];
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "nd-waf-"));
});
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
  await rm(home, { recursive: true, force: true });
});

async function gateway(opts: Partial<Parameters<typeof startFakeGateway>[0]> = {}) {
  const gw = await startFakeGateway({ users: structuredClone(DEMO_USERS), ...opts });
  gateways.push(gw);
  return gw;
}

/** personal behind the WAF; work on another host (localhost) without one. No `cookies:`. */
async function config(wafUrl: string, otherUrl: string) {
  const file = join(home, "neuradock.yaml");
  await writeFile(
    file,
    `version: 1
accounts:
  personal:
    provider: newapi
    url: ${wafUrl}
    user_id: 1001
    session: \${DEMO_PERSONAL_SESSION}
  work:
    provider: newapi
    url: ${otherUrl}
    user_id: 2002
    access_token: \${DEMO_WORK_ACCESS_TOKEN}
bindings:
  claude-code:
    account: personal
    token: claude
  codex:
    account: work
    token: { id: 22 }
`,
  );
  return file;
}

const run = (args: string[]) => runCli(args, { home, env: demoEnv() });

describe("behind the Aliyun WAF, with no cookies: in the config", () => {
  it("tokens, plan and apply -y succeed; solved cookies go only to the WAF's host", async () => {
    const waf = await gateway({ wafChallenge: true });
    const other = await gateway();
    const file = await config(waf.url, other.url.replace("127.0.0.1", "localhost"));

    const tokens = await run(["tokens", "--refresh", "-c", file]);
    expect(tokens.stderr).toBe("");
    expect(tokens.code).toBe(0);
    expect(tokens.stdout).toMatch(/11\s+claude/);
    const plan = await run(["plan", "-c", file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("env.ANTHROPIC_AUTH_TOKEN");
    const apply = await run(["apply", "-y", "-c", file]);
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    const settings = JSON.parse(await readFile(join(home, ".claude", "settings.json"), "utf8"));
    expect(settings.env.ANTHROPIC_AUTH_TOKEN).toBe(`sk-${DEMO_USERS[0]!.tokens[0]!.key}`);

    // Each command met the challenge once (its first request), then passed.
    const challenged = waf.state.log.filter((e) => e.waf === "challenged");
    expect(challenged).toHaveLength(3);
    const solved = waf.state.log.filter((e) => e.waf === "passed");
    expect(solved.length).toBeGreaterThan(3);
    for (const e of solved)
      expect(e.headers.cookie).toMatch(/acw_tc=[0-9a-f]+; acw_sc__v2=[0-9a-f]{40}/);
    // The other host never saw a WAF cookie.
    expect(other.state.log.length).toBeGreaterThan(0);
    for (const e of other.state.log) {
      expect(e.headers.cookie ?? "").not.toMatch(/acw_/);
      expect(e.headers.authorization).toBe(DEMO_USERS[1]!.accessToken);
    }
    for (const out of [tokens, plan, apply]) {
      for (const s of demoSecrets()) expect(out.stdout + out.stderr).not.toContain(s);
    }
  });

  it("a WAF that keeps challenging fails apply clearly, exit 1, nothing written", async () => {
    const waf = await gateway({ wafChallenge: "always" });
    const other = await gateway();
    const file = await config(waf.url, other.url);
    const apply = await run(["apply", "-y", "-c", file]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(
      /account 'personal'.*challenge page again after neuradock solved it/s,
    );
    expect(apply.stdout).toBe("");
    expect(existsSync(join(home, ".claude"))).toBe(false);
    expect(existsSync(join(home, ".codex"))).toBe(false);
    // one challenge, one solved retry: never a loop
    expect(waf.state.log.length).toBeLessThanOrEqual(2);
  });
});

describe("the WAF's cost", () => {
  it("adds at most one request per account per command (counted, tokens and plan)", async () => {
    const plain = await gateway();
    const waf = await gateway({ wafChallenge: true });
    const counts = async (gw: FakeGateway) => {
      const dir = await mkdtemp(join(home, "c-"));
      const file = join(dir, "neuradock.yaml");
      await writeFile(
        file,
        (await readFile(await config(gw.url, gw.url), "utf8")).replace(
          "bindings:",
          "  relay:\n    provider: newapi\n    url: " +
            gw.url +
            "\n    user_id: 3\n    access_token: ${DEMO_RELAY_ACCESS_TOKEN}\nbindings:",
        ),
      );
      const out: number[] = [];
      for (const args of [["tokens", "--refresh"], ["plan"]]) {
        gw.resetLog();
        const r = await runCli([...args, "-c", file], { home: dir, env: demoEnv() });
        expect(r.code).toBe(0);
        out.push(gw.state.log.length);
      }
      return out;
    };
    const [tokensPlain, planPlain] = await counts(plain);
    const [tokensWaf, planWaf] = await counts(waf);
    // tokens reads three accounts, plan two (the bound ones).
    expect(tokensWaf! - tokensPlain!).toBe(3);
    expect(planWaf! - planPlain!).toBe(2);
  });
});
