import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { demoSecrets } from "../support/fake-gateway/index.js";

/**
 * The demo script end to end (what `npm run demo` runs after its build step; the build is
 * skipped here because the suite already built dist/ and other tests are using it).
 */
function runDemo(): Promise<{ code: number; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", resolve("scripts/demo.ts")], {
      env: { PATH: process.env.PATH, HOME: "/nonexistent-real-home", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, output }));
  });
}

describe("npm run demo", () => {
  it("walks validate → tokens → plan → apply → plan → removal → apply → plan", async () => {
    const { code, output } = await runDemo();
    expect(code, output).toBe(0);
    const headings = [...output.matchAll(/^==> (.*)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      "Check the config (no network): neuradock validate",
      "The tokens of every account: neuradock tokens",
      "What would change: neuradock plan",
      "Write it: neuradock apply -y",
      "Plan again: nothing left to do: neuradock plan --detailed-exitcode",
      "settings.json now (your keys kept, ours added)",
      "Remove the codex binding from neuradock.yaml",
      "Plan: the removals: neuradock plan",
      "Apply the removals: neuradock apply -y",
      "Plan again: neuradock plan",
    ]);
    expect(output).toContain("is valid: 3 accounts, 1 custom node, 2 bindings.");
    expect(output).toContain("Plan: 9 to add, 1 to change, 0 to remove.");
    // The existing settings.json (0644) is made private now that it holds the key.
    expect(output).toContain("~ mode 0644 → 0600");
    expect(output).toContain("Apply complete: 9 added, 1 changed, 0 removed.");
    expect(output).toContain("Plan: 0 to add, 0 to change, 6 to remove.");
    expect(output).toMatch(/\.codex\/auth\.json \(new file\)/);
    expect(output).toMatch(/\.codex\/config\.toml \(file deleted: neuradock created it/);
    expect(output).not.toMatch(/settings\.json \(new file\)/); // it was the user's
    // The user's own keys survive next to ours.
    expect(output).toContain('"DISABLE_TELEMETRY": "1"');
    const lastPlan = output.slice(output.lastIndexOf("==> Plan again: neuradock plan"));
    expect(lastPlan).toContain("No changes. Your tools match neuradock.yaml.");
    expect(output.trimEnd().endsWith("Your real home was not touched.")).toBe(true);
    for (const secret of demoSecrets()) expect(output).not.toContain(secret);
    // A hang guard, not a speed goal: ten CLI runs and a tsx start on a busy 2-core machine.
  }, 120_000);
});
