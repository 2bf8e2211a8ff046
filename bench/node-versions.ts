import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type FakeUser, startFakeGateway } from "../test/support/fake-gateway/index.js";
import {
  benchConfig,
  bigSettingsJson,
  type MeasureSummary,
  measureInterleaved,
  runMeasured,
} from "./apply.js";

/**
 * The start-up goals on every Node that runs neuradock: 20 (the one running the bench, unless
 * NEURADOCK_BENCH_NODES names others), 22 and 24 (pinned in scripts/node-versions.sh, fetched
 * from the npm registry into a cache). Each case runs cold and warm:
 * - cold: the first run after install. Node >= 22.1 keeps compiled code in a compile cache
 *   (src/cli.ts enables it) under the temp folder; a fresh TMPDIR per run leaves it empty.
 * - warm: every later run, the cache filled by the previous one.
 * `node -e 0` of the same binary is the baseline of each table.
 */
export interface NodeVersionBench {
  version: string;
  node: string;
  /** case → summary, for "cold" and "warm". */
  cold: Map<string, MeasureSummary>;
  warm: Map<string, MeasureSummary>;
  /** apply -y on a 1 MB settings.json (warm): the peak RSS goal. */
  apply1Mb: MeasureSummary;
}

export const NODE_CASES = ["node -e 0", "--version", "validate -c FILE", "plan, 2 MB"] as const;

/** The node binaries to measure: this one first, then the pinned ones that are installed. */
export function nodeBinaries(): string[] {
  const listed = process.env.NEURADOCK_BENCH_NODES;
  if (listed) return listed.split(":").filter(Boolean);
  const dirs = spawnSync("bash", [resolve("scripts/node-versions.sh"), "dirs"], {
    encoding: "utf8",
  });
  const others = dirs.status === 0 ? dirs.stdout.split("\n").filter(Boolean) : [];
  return [process.execPath, ...others.map((d) => join(d, "node"))];
}

export function versionOf(node: string): string {
  return spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
}

export async function benchNodeVersions(opts: {
  cli: string;
  runs: number;
  nodes?: readonly string[];
}): Promise<NodeVersionBench[]> {
  const cli = resolve(opts.cli);
  const users: FakeUser[] = [
    {
      id: 1,
      accessToken: "bench-access-token-nodes-0123456789",
      tokens: [{ id: 10, name: "main", key: "benchnodeskeyabcdefghijklmnopqrstuvwxyz0123" }],
    },
  ];
  const gateway = await startFakeGateway({ users });
  const root = mkdtempSync(join(tmpdir(), "neuradock-bench-nodes-"));
  try {
    const yaml = benchConfig(gateway.url, "main");
    const twoMb = bigSettingsJson(2 * 1024 * 1024);
    const oneMb = bigSettingsJson(1024 * 1024);
    const out: NodeVersionBench[] = [];
    for (const node of opts.nodes ?? nodeBinaries()) {
      const version = versionOf(node);
      const dir = join(root, version);
      const planHome = join(dir, "plan");
      const applyHome = join(dir, "apply");
      for (const home of [planHome, applyHome]) {
        mkdirSync(join(home, ".claude"), { recursive: true });
        writeFileSync(join(home, "neuradock.yaml"), yaml);
      }
      writeFileSync(join(planHome, ".claude", "settings.json"), twoMb);
      const warmTmp = join(dir, "tmp-warm");
      mkdirSync(warmTmp);
      let coldSeq = 0;
      const env = (home: string, tmp: string): NodeJS.ProcessEnv => ({
        PATH: process.env.PATH ?? "",
        NO_COLOR: "1",
        HOME: home,
        TMPDIR: tmp,
        NEURADOCK_STATE_DIR: join(home, "state"),
        BENCH_TOKEN: users[0]?.accessToken,
      });
      const freshTmp = () => {
        const tmp = join(dir, `tmp-cold-${coldSeq++}`);
        mkdirSync(tmp);
        return tmp;
      };
      const args: Record<(typeof NODE_CASES)[number], string[]> = {
        "node -e 0": ["-e", "0"],
        "--version": [cli, "--version"],
        "validate -c FILE": [cli, "validate", "-c", join(planHome, "neuradock.yaml")],
        "plan, 2 MB": [cli, "plan"],
      };
      const cases = (mode: "cold" | "warm") =>
        NODE_CASES.map((name) => ({
          name,
          run: () =>
            runMeasured(
              args[name],
              env(planHome, mode === "cold" ? freshTmp() : warmTmp),
              planHome,
              0,
              node,
            ),
        }));
      process.stderr.write(`bench: ${version} cold and warm…\n`);
      const cold = await measureInterleaved(cases("cold"), opts.runs);
      const warm = await measureInterleaved(cases("warm"), opts.runs);
      const settings = join(applyHome, ".claude", "settings.json");
      const state = join(applyHome, "state");
      const apply = await measureInterleaved(
        [
          {
            name: "apply",
            // Outside the timed part: the unapplied file back, ledger and backups forgotten.
            before: () => {
              writeFileSync(settings, oneMb);
              if (existsSync(state)) rmSync(state, { recursive: true, force: true });
            },
            run: () =>
              runMeasured([cli, "apply", "-y"], env(applyHome, warmTmp), applyHome, 0, node),
          },
        ],
        Math.max(3, Math.ceil(opts.runs / 2)),
      );
      out.push({
        version,
        node,
        cold,
        warm,
        apply1Mb: apply.get("apply") as MeasureSummary,
      });
    }
    return out;
  } finally {
    await gateway.close();
    rmSync(root, { recursive: true, force: true });
  }
}
