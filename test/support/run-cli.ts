import { spawn, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

/** The built CLI; NEURADOCK_CLI points the suites at another build. */
export const CLI = resolve(process.env.NEURADOCK_CLI ?? "dist/cli.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** The throw-away HOME (also the cwd, unless `cwd` is given); state goes to HOME/state. */
  home: string;
  cwd?: string;
  /** Added to the base environment (PATH, HOME, NEURADOCK_STATE_DIR, NO_COLOR, fast retries). */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed; without it stdin is closed at once. */
  stdin?: string;
}

function cliEnv(opts: RunCliOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    HOME: opts.home,
    NEURADOCK_STATE_DIR: join(opts.home, "state"),
    NO_COLOR: "1",
    NEURADOCK_HTTP_BACKOFF_MS: "10",
    ...opts.env,
  };
}

/** The same, synchronously: for commands that make no request (validate, nodes). */
export function runCliSync(args: string[], opts: RunCliOptions): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? opts.home,
    env: cliEnv(opts),
    input: opts.stdin ?? "",
    encoding: "utf8",
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the built CLI asynchronously (an in-process fake gateway must keep answering) with a
 * clean environment: nothing of the real user's HOME, tokens or proxy settings leaks in.
 */
export function runCli(args: string[], opts: RunCliOptions): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? opts.home,
      env: cliEnv(opts),
      stdio: ["pipe", "pipe", "pipe"],
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
    child.stdin.end(opts.stdin ?? "");
  });
}
