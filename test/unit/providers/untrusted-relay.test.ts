import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runTokens } from "../../../src/commands/tokens.js";
import { ProviderError } from "../../../src/errors.js";
import { main } from "../../../src/main.js";
import { createTokenSource } from "../../../src/providers/index.js";
import { captureIo } from "../../support/capture-io.js";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  type FakeGateway,
  type FakeUser,
  startFakeGateway,
} from "../../support/fake-gateway/index.js";
import { accountFor, makeTokens } from "./helpers.js";

/** Relay text is untrusted (design.md "Trust rules"): what a hostile relay can make us print. */
const SESSION = "sess-untrusted-0123456789abcdefghij";
const user: FakeUser = { id: 77, session: SESSION, tokens: makeTokens(2) };

let gw: FakeGateway | undefined;
let source: ReturnType<typeof createTokenSource> | undefined;
let dir: string | undefined;
afterEach(async () => {
  await source?.close();
  await gw?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  source = gw = dir = undefined;
});

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe("a hostile relay", () => {
  it("a 17 MB answer: says the answer was too large, naming the account", async () => {
    const big = `{"success":true,"data":[${"0,".repeat(9 * 1024 * 1024)}0]}`;
    gw = await startFakeGateway({
      users: [structuredClone(user)],
      faults: [{ kind: "status", status: 200, body: big }],
    });
    source = createTokenSource({ timeoutMs: 5000, backoffMs: 10 });
    const err = await failure(source.listTokens(accountFor(gw.url, user)));
    expect(err.message).toMatch(/^account 'acct77': GET .*: the answer is larger than 16 MB/);
    expect(err.message).not.toContain("NEURADOCK_TOO_LARGE");
  });

  it("escape sequences, an echoed key and the echoed session are not printed", async () => {
    const said = `\x1b[2J\x1b[Hlogin failed for sk-AbCdEfGhIjKlMnOpQrSt and ${SESSION}\x07\r\nfake row`;
    gw = await startFakeGateway({
      users: [structuredClone(user)],
      faults: [{ kind: "success-false", message: said }],
    });
    source = createTokenSource({ timeoutMs: 2000, backoffMs: 10 });
    const err = await failure(source.listTokens(accountFor(gw.url, user)));
    expect(err.message).toContain("login failed for (sensitive) and (sensitive)");
    expect(err.message).toContain("fake row");
    expect(err.message).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(err.message).not.toContain("sk-AbCdEf");
    expect(err.message).not.toContain(SESSION);
  });

  it("token names with escape sequences and huge lengths: the table stays a table", async () => {
    const users = structuredClone(DEMO_USERS);
    const tokens = users[0]!.tokens;
    tokens[0]!.name = "\x1b[2J\x1b[31mclaude\x1b[0m\n  99  fake  $1000.00";
    tokens[1]!.name = "x".repeat(5000);
    gw = await startFakeGateway({ users });
    dir = await mkdtemp(join(tmpdir(), "nd-untrusted-"));
    await writeFile(join(dir, "neuradock.yaml"), demoConfigYaml(gw.url));
    const io = captureIo({
      cwd: dir,
      env: { ...demoEnv(), HOME: dir, NEURADOCK_STATE_DIR: join(dir, "state") },
    });
    expect(await runTokens({ account: "personal" }, io)).toBe(0);
    const out = io.out();
    expect(out).not.toMatch(/\x1b/);
    const rows = out.split("\n").filter((l) => /^ {2}\d+ /.test(l));
    expect(rows.map((r) => r.trim().split(/\s+/)[0]).sort()).toEqual(["11", "12", "13"]);
    expect(rows.find((r) => r.includes("claude"))).toContain("claude   99  fake");
    for (const line of out.split("\n")) expect(line.length).toBeLessThan(200);
    // JSON keeps the relay's name as it is (escaped by JSON itself).
    const json = captureIo({ cwd: dir, env: io.env });
    expect(await runTokens({ account: "personal", json: true, refresh: true }, json)).toBe(0);
    expect(JSON.parse(json.out()).accounts[0].tokens[1].name).toHaveLength(5000);
  });

  it("the error boundary strips control characters from any message", async () => {
    const io = captureIo({ env: {} });
    const code = await main(["tokens", "-c", "/nonexistent/\x1b[2Jx.yaml"], io);
    expect(code).toBe(1);
    expect(io.err()).not.toMatch(/\x1b/);
  });
});
