import { describe, expect, it } from "vitest";
import type { ToolId } from "../../../src/config/types.js";
import { hashValue } from "../../../src/plan/hash.js";
import { emptyLedger } from "../../../src/plan/ledger.js";
import type { ChangeReason, Ledger, LedgerPath } from "../../../src/plan/types.js";
import { formatKeyPath } from "../../../src/targets/key-path.js";
import { QWEN_ENTRY } from "../../../src/targets/qwen-code.js";
import type { JsonValue } from "../../../src/targets/types.js";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  GEMINI_ENV,
  KEY_A,
  makeAccount,
  makeBinding,
  makeConfig,
  makeToken,
  OPENCODE,
  planOnly,
  QWEN,
  SETTINGS,
} from "./support.js";

/**
 * The planner matrix for one owned path (env.ANTHROPIC_BASE_URL), every combination of
 * binding × what is on disk × what the ledger knows. D is the value neuradock.yaml wants,
 * W the value neuradock last wrote (recorded as a hash), P the prior value, U a user value.
 */
const D = "https://anyrouter.top";
const W = "https://old-node.example";
const P = "https://users-own.example";
const H = "https://hand-edited.example";

type Binding = "present" | "removed";
type Disk = "file absent" | "key absent" | "key equal" | "key different" | "hand edited";
type LedgerState = "lacks path" | "has path, no prior" | "has path, prior value";

interface Outcome {
  action: "create" | "update" | "delete" | null;
  reason?: ChangeReason;
  after?: string;
  warnings: string[];
  /** The ledger entry for the path after the plan: its prior, or dropped. */
  ledger: "dropped" | { prior: "absent" | string; wrote: string };
}
type Cell = Outcome | { impossible: string };

/** The value on disk per state; what "equal" and "different" mean depends on the binding. */
function diskValue(binding: Binding, disk: Disk, ledger: LedgerState): string | undefined {
  switch (disk) {
    case "file absent":
    case "key absent":
      return undefined;
    case "key equal":
      // Bound: already what the binding wants. Removed: what neuradock wrote (or, with no
      // ledger entry, simply some value neuradock never wrote).
      return binding === "present" ? D : ledger === "lacks path" ? P : W;
    case "key different":
      // Neuradock's previous value (e.g. the node changed), or a user value never written by us.
      return ledger === "lacks path" ? P : W;
    case "hand edited":
      return H;
  }
}

const IMPOSSIBLE_NO_WRITE = "no ledger entry: nothing was written, so nothing can be edited since";
const IMPOSSIBLE_NO_DESIRED = "binding removed: there is no desired value to differ from";

const MATRIX: Record<Binding, Record<LedgerState, Record<Disk, Cell>>> = {
  present: {
    "lacks path": {
      "file absent": {
        action: "create",
        reason: "bind",
        after: D,
        warnings: [],
        ledger: { prior: "absent", wrote: D },
      },
      "key absent": {
        action: "create",
        reason: "bind",
        after: D,
        warnings: [],
        ledger: { prior: "absent", wrote: D },
      },
      "key equal": { action: null, warnings: [], ledger: { prior: D, wrote: D } },
      "key different": {
        action: "update",
        reason: "bind",
        after: D,
        warnings: [],
        ledger: { prior: P, wrote: D },
      },
      "hand edited": { impossible: IMPOSSIBLE_NO_WRITE },
    },
    "has path, no prior": {
      "file absent": {
        action: "create",
        reason: "drift",
        after: D,
        warnings: ["drift"],
        ledger: { prior: "absent", wrote: D },
      },
      "key absent": {
        action: "create",
        reason: "drift",
        after: D,
        warnings: ["drift"],
        ledger: { prior: "absent", wrote: D },
      },
      "key equal": { action: null, warnings: [], ledger: { prior: "absent", wrote: D } },
      "key different": {
        action: "update",
        reason: "bind",
        after: D,
        warnings: [],
        ledger: { prior: "absent", wrote: D },
      },
      "hand edited": {
        action: "update",
        reason: "drift",
        after: D,
        warnings: ["drift"],
        ledger: { prior: "absent", wrote: D },
      },
    },
    "has path, prior value": {
      "file absent": {
        action: "create",
        reason: "drift",
        after: D,
        warnings: ["drift"],
        ledger: { prior: P, wrote: D },
      },
      "key absent": {
        action: "create",
        reason: "drift",
        after: D,
        warnings: ["drift"],
        ledger: { prior: P, wrote: D },
      },
      "key equal": { action: null, warnings: [], ledger: { prior: P, wrote: D } },
      "key different": {
        action: "update",
        reason: "bind",
        after: D,
        warnings: [],
        ledger: { prior: P, wrote: D },
      },
      "hand edited": {
        action: "update",
        reason: "drift",
        after: D,
        warnings: ["drift"],
        ledger: { prior: P, wrote: D },
      },
    },
  },
  removed: {
    "lacks path": {
      // A path never written by neuradock is never touched.
      "file absent": { action: null, warnings: [], ledger: "dropped" },
      "key absent": { action: null, warnings: [], ledger: "dropped" },
      "key equal": { action: null, warnings: [], ledger: "dropped" },
      "key different": { impossible: IMPOSSIBLE_NO_DESIRED },
      "hand edited": { impossible: IMPOSSIBLE_NO_WRITE },
    },
    "has path, no prior": {
      // Removed by hand where nothing was before: already released, nothing to warn about.
      "file absent": { action: null, warnings: [], ledger: "dropped" },
      "key absent": { action: null, warnings: [], ledger: "dropped" },
      "key equal": { action: "delete", reason: "release", warnings: [], ledger: "dropped" },
      "key different": { impossible: IMPOSSIBLE_NO_DESIRED },
      "hand edited": { action: null, warnings: ["released-value-edited"], ledger: "dropped" },
    },
    "has path, prior value": {
      "file absent": { action: null, warnings: ["released-value-edited"], ledger: "dropped" },
      "key absent": { action: null, warnings: ["released-value-edited"], ledger: "dropped" },
      "key equal": {
        action: "update",
        reason: "restore",
        after: P,
        warnings: [],
        ledger: "dropped",
      },
      "key different": { impossible: IMPOSSIBLE_NO_DESIRED },
      "hand edited": { action: null, warnings: ["released-value-edited"], ledger: "dropped" },
    },
  },
};

/** One owned path of one file format: the matrix runs for each of them. */
interface Subject {
  name: string;
  tool: ToolId;
  file: string;
  path: string[];
  /** The value at the path for one of D, W, P, H (default: that string itself). */
  wrap?(url: string): JsonValue;
  /** The key a prior value followed (default KEEP; null for an array element). */
  priorAfter?: string | null;
  /** The file with a KEEP entry of the user's, plus the path at `value` when given. */
  text(value: JsonValue | undefined): string;
  bound: ReturnType<typeof makeConfig>;
  /** Every path the binding may change in this file (nothing else may appear in a plan). */
  owned: string[];
}

const relay = makeAccount("personal", "newapi");
const SUBJECTS: Subject[] = [
  {
    name: "settings.json (JSON)",
    tool: "claude-code",
    file: SETTINGS,
    path: ["env", "ANTHROPIC_BASE_URL"],
    text: (value) => {
      const env: Record<string, JsonValue> = { KEEP: "1" };
      if (value !== undefined) env.ANTHROPIC_BASE_URL = value;
      return `${JSON.stringify({ model: "opus", env }, null, 2)}\n`;
    },
    bound: makeConfig({
      "claude-code": makeBinding("claude-code", { nodeUrl: D, keepOtherCredentials: true }),
    }),
    owned: ["env.ANTHROPIC_AUTH_TOKEN", "env.ANTHROPIC_BASE_URL"],
  },
  {
    name: ".gemini/.env (dotenv)",
    tool: "gemini-cli",
    file: GEMINI_ENV,
    path: ["GOOGLE_GEMINI_BASE_URL"],
    text: (value) =>
      `# mine\nexport KEEP=1\n${value === undefined ? "" : `GOOGLE_GEMINI_BASE_URL="${value}"\n`}`,
    bound: makeConfig({ "gemini-cli": makeBinding("gemini-cli", { nodeUrl: D }) }, [relay]),
    owned: ["GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL"],
  },
  {
    name: "opencode.json (JSONC)",
    tool: "opencode",
    file: OPENCODE,
    path: ["provider", "personal", "options", "baseURL"],
    wrap: (url) => `${url}/v1`,
    text: (value) =>
      [
        "{",
        "  // mine",
        '  "KEEP": 1,',
        '  "provider": {',
        '    "personal": {',
        `      "options": { "timeout": 5${value === undefined ? "" : `, "baseURL": ${JSON.stringify(value)}`} },`,
        "    },",
        "  },",
        "}",
        "",
      ].join("\n"),
    bound: makeConfig({ opencode: makeBinding("opencode", { nodeUrl: D }) }, [relay]),
    owned: [
      "provider.personal.npm",
      "provider.personal.options.baseURL",
      "provider.personal.options.apiKey",
    ],
  },
  {
    name: "qwen settings.json (an array element)",
    tool: "qwen-code",
    file: QWEN,
    path: QWEN_ENTRY,
    wrap: (url) => ({ id: "m", baseUrl: `${url}/v1`, envKey: "NEURADOCK_QWEN_CODE_API_KEY" }),
    priorAfter: null,
    text: (value) =>
      `${JSON.stringify(
        {
          KEEP: 1,
          modelProviders: { openai: [{ id: "theirs" }, ...(value === undefined ? [] : [value])] },
        },
        null,
        2,
      )}\n`,
    bound: makeConfig({ "qwen-code": makeBinding("qwen-code", { nodeUrl: D, model: "m" }) }, [
      relay,
    ]),
    owned: [
      "env.NEURADOCK_QWEN_CODE_API_KEY",
      formatKeyPath(QWEN_ENTRY),
      "security.auth.selectedType",
      "model.name",
      "model.baseUrl",
    ],
  },
];

const wrapOf = (subject: Subject, url: string): JsonValue => subject.wrap?.(url) ?? url;

function ledgerFor(subject: Subject, state: LedgerState): Ledger {
  if (state === "lacks path") return emptyLedger();
  const entry: LedgerPath = {
    sha256: hashValue(wrapOf(subject, W)),
    prior:
      state === "has path, no prior"
        ? { kind: "absent" }
        : {
            kind: "value",
            value: wrapOf(subject, P),
            after: subject.priorAfter === undefined ? "KEEP" : subject.priorAfter,
          },
  };
  return {
    version: 1,
    files: {
      [subject.file]: {
        tool: subject.tool,
        createdFile: false,
        createdContainers: [],
        paths: { [formatKeyPath(subject.path)]: entry },
      },
    },
  };
}

const removed = makeConfig({});

describe("planner matrix: binding × disk × ledger", () => {
  it("covers all 30 combinations; the 5 that cannot occur say why", () => {
    const cells = (["present", "removed"] as const).flatMap((b) =>
      Object.values(MATRIX[b]).flatMap((row) => Object.values(row)),
    );
    expect(cells).toHaveLength(2 * 3 * 5);
    const impossible = cells.filter((c): c is { impossible: string } => "impossible" in c);
    expect(impossible).toHaveLength(5);
    for (const c of impossible) expect(c.impossible.length).toBeGreaterThan(20);
  });

  for (const subject of SUBJECTS) {
    for (const binding of ["present", "removed"] as const) {
      for (const ledgerState of Object.keys(MATRIX[binding]) as LedgerState[]) {
        for (const disk of Object.keys(MATRIX[binding][ledgerState]) as Disk[]) {
          const cell = MATRIX[binding][ledgerState][disk];
          const title = `${subject.name}: binding ${binding}, ${disk}, ledger ${ledgerState}`;
          // Impossible cells are counted and explained by the test above.
          if ("impossible" in cell) continue;
          it(title, async () => {
            const ledger = ledgerFor(subject, ledgerState);
            // "key equal" while bound with a ledger entry means neuradock wrote D last time.
            if (binding === "present" && disk === "key equal" && ledgerState !== "lacks path") {
              const file = ledger.files[subject.file]!;
              file.paths[formatKeyPath(subject.path)]!.sha256 = hashValue(wrapOf(subject, D));
            }
            const onDisk = diskValue(binding, disk, ledgerState);
            const text =
              disk === "file absent"
                ? undefined
                : subject.text(onDisk === undefined ? undefined : wrapOf(subject, onDisk));
            const system = createMemorySystem(text === undefined ? {} : { [subject.file]: text });
            const config = binding === "present" ? subject.bound : removed;
            const tokens = binding === "present" ? { [subject.tool]: makeToken(KEY_A) } : {};
            const plan = await planOnly(system, config, tokens, ledger);

            const file = plan.files.find((f) => f.file === subject.file);
            const key = formatKeyPath(subject.path);
            const change = file?.changes.find((c) => formatKeyPath(c.path) === key);
            expect(change?.action ?? null).toBe(cell.action);
            if (cell.action) {
              expect(change?.reason).toBe(cell.reason);
              expect(change?.after).toEqual(
                cell.after === undefined ? undefined : wrapOf(subject, cell.after),
              );
            }
            expect(plan.warnings.map((w) => w.code).sort()).toEqual([...cell.warnings].sort());

            const entry = plan.ledger[subject.file]?.paths[key];
            if (cell.ledger === "dropped") {
              expect(entry).toBeUndefined();
            } else {
              expect(entry?.sha256).toBe(hashValue(wrapOf(subject, cell.ledger.wrote)));
              if (cell.ledger.prior === "absent") expect(entry?.prior).toEqual({ kind: "absent" });
              else
                expect(entry?.prior).toMatchObject({
                  kind: "value",
                  value: wrapOf(subject, cell.ledger.prior),
                });
            }
            // Whatever the case, unowned keys are never in the plan.
            for (const c of file?.changes ?? []) {
              expect(subject.owned).toContain(formatKeyPath(c.path));
            }
          });
        }
      }
    }
  }

  it("covers every combination exactly once", () => {
    const cells = Object.values(MATRIX).flatMap((l) =>
      Object.values(l).flatMap((d) => Object.values(d)),
    );
    expect(cells).toHaveLength(2 * 3 * 5);
  });
});
