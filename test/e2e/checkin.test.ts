import { mkdtemp, rm, writeFile } from "node:fs/promises";
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

// relay.md §5 through the built CLI: AnyRouter's sign_in (behind the WAF), upstream new-api's
// checkin, AgentRouter's none.
let home: string;
const gateways: FakeGateway[] = [];
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "nd-checkin-"));
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

async function config(anyrouter: string, newapi: string, extra = "") {
  const file = join(home, "neuradock.yaml");
  await writeFile(
    file,
    `version: 1
accounts:
  personal:
    provider: anyrouter
    url: ${anyrouter}
    user_id: 1001
    session: \${DEMO_PERSONAL_SESSION}
  work:
    provider: newapi
    url: ${newapi}
    user_id: 2002
    access_token: \${DEMO_WORK_ACCESS_TOKEN}
  agent:
    provider: agentrouter
    url: ${newapi}
    user_id: 3
    access_token: \${DEMO_RELAY_ACCESS_TOKEN}
${extra}`,
  );
  return file;
}

const run = async (args: string[]) => {
  const r = await runCli(args, { home, env: demoEnv() });
  for (const s of demoSecrets()) expect(r.stdout + r.stderr).not.toContain(s);
  expect(r.stdout + r.stderr).not.toMatch(/acw_sc__v2=|acw_tc=/);
  return r;
};

describe("neuradock checkin", () => {
  it("checks in once (balance grows), then says already; agentrouter is not supported", async () => {
    const waf = await gateway({ wafChallenge: true, checkin: { award: 1_000_000 } });
    const plain = await gateway({ checkin: { award: 250_000 } });
    const file = await config(waf.url, plain.url);

    const first = await run(["checkin", "-c", file]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    // AnyRouter says no amount; its balance after shows the award: $50 + $2.
    expect(first.stdout).toMatch(/^personal {2}checked in, balance \$52\.00$/m);
    expect(first.stdout).toMatch(/^work {6}checked in \(\+\$0\.50\), balance \$10\.50$/m);
    expect(first.stdout).toMatch(/^agent {5}not supported \(AgentRouter\): .*browser login$/m);
    expect(waf.state.log.filter((e) => e.path === "/api/user/sign_in")).toHaveLength(2);
    expect(
      waf.state.log.find((e) => e.path === "/api/user/sign_in" && e.waf === "passed")?.body,
    ).toBe("{}");

    const second = await run(["checkin", "-c", file]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^personal {2}already checked in today, balance \$52\.00$/m);
    expect(second.stdout).toMatch(/^work {6}already checked in today, balance \$10\.50$/m);
    // AgentRouter was never asked.
    expect(plain.state.log.some((e) => e.headers["new-api-user"] === "3")).toBe(false);
  });

  it("--json has relay.md's shape", async () => {
    const plain = await gateway();
    const file = await config(plain.url, plain.url);
    const r = await run(["checkin", "work", "agent", "--json", "-c", file]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      // The config that chose the relays (design.md Config discovery).
      config: file,
      accounts: [
        {
          account: "work",
          provider: "newapi",
          status: "checked-in",
          message: "",
          awarded_usd: 0.5,
          balance_usd: 10.5,
        },
        {
          account: "agent",
          provider: "agentrouter",
          status: "unsupported",
          message: expect.stringContaining("AgentRouter has no check-in"),
          awarded_usd: null,
          balance_usd: null,
        },
      ],
    });
  });

  it("reports a captcha demand as such, exit 1", async () => {
    const plain = await gateway({ checkin: { captcha: true } });
    const file = await config(plain.url, plain.url);
    const r = await run(["checkin", "work", "-c", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^work {2}failed: the relay asks for a captcha \(Turnstile\)/m);
    expect(plain.state.log.filter((e) => e.method === "POST")).toHaveLength(1);
  });

  it("never repeats a check-in whose answer was lost; the next run says already", async () => {
    const plain = await gateway({
      faults: [{ kind: "lose-answer", path: "/api/user/checkin", method: "POST" }],
    });
    const file = await config(plain.url, plain.url);
    const lost = await run(["checkin", "work", "-c", file]);
    expect(lost.code).toBe(1);
    expect(lost.stdout).toMatch(/^work {2}failed: .*may have happened anyway; it is not repeated/m);
    expect(plain.state.log.filter((e) => e.path === "/api/user/checkin")).toHaveLength(1);
    const next = await run(["checkin", "work", "-c", file]);
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(/^work {2}already checked in today/m);
  });

  it("honours checkin: false and a fork's path; unknown accounts are a usage error", async () => {
    const plain = await gateway();
    const file = await config(
      plain.url,
      plain.url,
      "  fork:\n    provider: newapi\n    url: " +
        plain.url +
        "\n    user_id: 3\n    access_token: ${DEMO_RELAY_ACCESS_TOKEN}\n    checkin: { path: /api/user/check_in }\n",
    );
    await writeFile(
      file,
      (await import("node:fs"))
        .readFileSync(file, "utf8")
        .replace("  work:\n", "  work:\n    checkin: false\n"),
    );
    const r = await run(["checkin", "-c", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^work /m);
    expect(r.stdout).toMatch(/^fork +checked in \(\+\$0\.50\)/m);
    expect(plain.state.log.some((e) => e.path === "/api/user/check_in")).toBe(true);
    const typo = await run(["checkin", "wrk", "-c", file]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/unknown account 'wrk'.*did you mean 'work'/);
  });
});
