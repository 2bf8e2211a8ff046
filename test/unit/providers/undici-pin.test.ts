import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAgent, loadProxyAgent } from "../../../src/providers/undici.js";

// src/providers/undici.ts imports undici's own files instead of its index (the saving is
// measured by `npm run bench`). That is safe only for the version it was written against:
// package.json pins it exactly, and the deep modules must be the public classes themselves.
const root = join(import.meta.dirname, "../../..");
const require = createRequire(join(root, "package.json"));

describe("undici deep imports", () => {
  it("package.json pins the exact undici version that is installed", async () => {
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
    const installed = require("undici/package.json").version as string;
    expect(pkg.devDependencies?.undici ?? pkg.dependencies?.undici).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed).toBe(pkg.devDependencies?.undici ?? pkg.dependencies?.undici);
  });

  it("loads the very Agent and ProxyAgent the public index exports, with its request API", async () => {
    const undici = require("undici") as typeof import("undici");
    const Agent = await loadAgent();
    const ProxyAgent = await loadProxyAgent();
    expect(Agent).toBe(undici.Agent);
    expect(ProxyAgent).toBe(undici.ProxyAgent);
    // What the index installs on every dispatcher and neuradock installs itself.
    const proto = undici.Dispatcher.prototype as unknown as Record<string, unknown>;
    expect(typeof proto.request).toBe("function");
    expect(typeof proto.connect).toBe("function");
    const { request, connect } = require("undici/lib/api/index.js");
    expect(proto.request).toBe(request);
    expect(proto.connect).toBe(connect);
  });
});
