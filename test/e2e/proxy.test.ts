import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import {
  type ForwardProxy,
  refusedPort,
  selfSignedCert,
  startForwardProxy,
} from "../support/forward-proxy.js";
import { runCli } from "../support/run-cli.js";

// relay.md §1 "Proxies", through the built CLI and a real forward proxy on 127.0.0.1.
const PROXY_PASSWORD = "pr0xy-pa55word-9f8e7d";
let home: string;
let gw: FakeGateway | undefined;
let proxy: ForwardProxy | undefined;
const cert = selfSignedCert();
afterAll(() => cert.cleanup());
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "nd-proxy-"));
});
afterEach(async () => {
  await gw?.close();
  await proxy?.close();
  gw = undefined;
  proxy = undefined;
  await rm(home, { recursive: true, force: true });
});

async function config(url: string, extra = "") {
  const file = join(home, "neuradock.yaml");
  await writeFile(
    file,
    `version: 1
accounts:
  personal:
    provider: newapi
    url: ${url}
    user_id: 1001
    session: \${DEMO_PERSONAL_SESSION}
${extra}bindings:
  claude-code: { account: personal, token: claude }
`,
  );
  return file;
}

const run = async (args: string[], env: Record<string, string>) => {
  const r = await runCli(args, { home, env: { ...demoEnv(), ...env } });
  for (const s of [...demoSecrets(), PROXY_PASSWORD]) {
    expect(r.stdout + r.stderr).not.toContain(s);
  }
  return r;
};

describe("an http relay through HTTP_PROXY", () => {
  beforeAll(() => undefined);
  it("sends every relay request through the proxy; with NO_PROXY covering the host, none", async () => {
    gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
    proxy = await startForwardProxy();
    const file = await config(gw.url);
    const via = await run(["plan", "-c", file], { HTTP_PROXY: proxy.url });
    expect(via.code).toBe(0);
    expect(proxy.log.length).toBe(gw.state.log.length);
    expect(proxy.log.length).toBeGreaterThan(0);
    expect(proxy.log.every((e) => e.kind === "plain" && e.target.startsWith(gw!.url))).toBe(true);

    proxy.log.length = 0;
    const noProxies: Record<string, string>[] = [
      { NO_PROXY: "127.0.0.1" },
      { no_proxy: "localhost,127.0.0.1" },
    ];
    for (const noProxy of noProxies) {
      const direct = await run(["plan", "-c", file], { HTTP_PROXY: proxy.url, ...noProxy });
      expect(direct.code).toBe(0);
      expect(proxy.log).toHaveLength(0);
    }
  });

  it("lower-case http_proxy wins over HTTP_PROXY", async () => {
    gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
    proxy = await startForwardProxy();
    const file = await config(gw.url);
    const r = await run(["tokens", "--refresh", "-c", file], {
      http_proxy: proxy.url,
      HTTP_PROXY: `http://127.0.0.1:${await refusedPort()}`,
    });
    expect(r.code).toBe(0);
    expect(proxy.log.length).toBeGreaterThan(0);
  });

  it("a proxy that refuses the connection is a clear error naming it, exit 1, nothing written", async () => {
    gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
    const port = await refusedPort();
    const file = await config(gw.url);
    const r = await run(["apply", "-y", "-c", file], {
      HTTP_PROXY: `http://neuradock:${PROXY_PASSWORD}@127.0.0.1:${port}`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `cannot connect to the proxy http://127.0.0.1:${port} (from HTTP_PROXY)`,
    );
    expect(r.stderr).toMatch(/NO_PROXY/);
    expect(gw.state.log).toHaveLength(0);
  });

  it("sends the proxy credentials to the proxy (and never prints them)", async () => {
    gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
    proxy = await startForwardProxy({
      credentials: { user: "neuradock", password: PROXY_PASSWORD },
    });
    const file = await config(gw.url);
    const ok = await run(["tokens", "--refresh", "-c", file], {
      HTTP_PROXY: proxy.url.replace("http://", `http://neuradock:${PROXY_PASSWORD}@`),
    });
    expect(ok.code).toBe(0);
    expect(proxy.log.every((e) => e.auth?.startsWith("Basic "))).toBe(true);
    const denied = await run(["tokens", "--refresh", "-c", file], { HTTP_PROXY: proxy.url });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/wants credentials \(HTTP 407\)/);
  });

  it("accounts.<id>.proxy overrides the environment, NO_PROXY included", async () => {
    gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
    proxy = await startForwardProxy();
    const file = await config(gw.url, `    proxy: \${ACCOUNT_PROXY}\n`);
    const r = await run(["plan", "-c", file], {
      ACCOUNT_PROXY: proxy.url,
      HTTP_PROXY: `http://127.0.0.1:${await refusedPort()}`,
      NO_PROXY: "*",
    });
    expect(r.code).toBe(0);
    expect(proxy.log.length).toBe(gw.state.log.length);
  });

  it("an unsupported proxy scheme is a config error naming the field", async () => {
    gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
    const file = await config(gw.url, "    proxy: socks5://127.0.0.1:1080\n");
    const r = await run(["plan", "-c", file], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /neuradock\.yaml:\d+:\d+: accounts\.personal\.proxy uses the unsupported proxy scheme socks5:\/\//,
    );
    expect(gw.state.log).toHaveLength(0);
  });
});

describe("an https relay through HTTPS_PROXY", () => {
  const tlsEnv = () => ({ NODE_EXTRA_CA_CERTS: cert.certFile });

  it("tunnels with CONNECT; HTTP_PROXY alone does not apply to https", async () => {
    gw = await startFakeGateway({ users: structuredClone(DEMO_USERS), tls: cert });
    proxy = await startForwardProxy();
    const file = await config(gw.url);
    const via = await run(["plan", "-c", file], { ...tlsEnv(), HTTPS_PROXY: proxy.url });
    expect(via.stderr).toBe("");
    expect(via.code).toBe(0);
    expect(proxy.log.length).toBeGreaterThan(0);
    expect(
      proxy.log.every((e) => e.kind === "connect" && e.target === `127.0.0.1:${gw!.port}`),
    ).toBe(true);

    proxy.log.length = 0;
    const direct = await run(["plan", "-c", file], { ...tlsEnv(), HTTP_PROXY: proxy.url });
    expect(direct.code).toBe(0);
    expect(proxy.log).toHaveLength(0);
  });

  it("a proxy refusing the tunnel is a clear error", async () => {
    gw = await startFakeGateway({ users: structuredClone(DEMO_USERS), tls: cert });
    proxy = await startForwardProxy({ denyConnect: true });
    const file = await config(gw.url);
    const r = await run(["tokens", "--refresh", "-c", file], {
      ...tlsEnv(),
      HTTPS_PROXY: proxy.url,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the proxy ${proxy.url} (from HTTPS_PROXY) refused to open a tunnel`,
    );
    expect(r.stderr).toContain("HTTP 403");
  });
});
