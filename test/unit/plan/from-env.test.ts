import { describe, expect, it } from "vitest";
import type { DesiredEntry } from "../../../src/model/types.js";
import { markFromEnv, redactSegments, scrubFromEnv } from "../../../src/plan/from-env.js";
import { Secret } from "../../../src/secret.js";

const entry = (path: string[], value: DesiredEntry["value"]): DesiredEntry => ({
  path,
  value,
  sensitive: false,
  reason: "bind",
});

describe("markFromEnv: whatever is built from a ${VAR} value is sensitive", () => {
  const cases: {
    name: string;
    secret: string;
    entry: DesiredEntry;
    sensitive: boolean;
    segments?: number[];
  }[] = [
    {
      name: "the value itself",
      secret: "my-model",
      entry: entry(["model"], "my-model"),
      sensitive: true,
    },
    {
      name: "a URL with /v1 appended",
      secret: "https://n.example",
      entry: entry(["base_url"], "https://n.example/v1"),
      sensitive: true,
    },
    {
      name: "provider/model",
      secret: "my-model",
      entry: entry(["model"], "anyrouter/my-model"),
      sensitive: true,
    },
    {
      name: "a key named after it (the path segment too)",
      secret: "my-model",
      entry: entry(["provider", "x", "models", "my-model"], {}),
      sensitive: true,
      segments: [3],
    },
    {
      name: "inside an object",
      secret: "my-model",
      entry: entry(["a"], { b: ["my-model"] }),
      sensitive: true,
    },
    {
      name: "a short value as a word",
      secret: "o3",
      entry: entry(["model"], "anyrouter/o3"),
      sensitive: true,
    },
    {
      name: "a short value inside a word",
      secret: "o3",
      entry: entry(["x"], "foo3bar"),
      sensitive: false,
    },
    {
      name: "an unrelated value",
      secret: "my-model",
      entry: entry(["wire_api"], "responses"),
      sensitive: false,
    },
    {
      name: "a flag",
      secret: "my-model",
      entry: entry(["requires_openai_auth"], true),
      sensitive: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [out] = markFromEnv([c.entry], [new Secret(c.secret)]);
      expect(out?.sensitive).toBe(c.sensitive);
      expect(out?.secretSegments).toEqual(c.segments);
    });
  }

  it("leaves entries alone without values from variables", () => {
    const entries = [entry(["model"], "m")];
    expect(markFromEnv(entries, [])).toBe(entries);
    expect(markFromEnv(entries, [new Secret("")])).toBe(entries);
  });

  it("scrubs messages and redacts path segments", () => {
    expect(scrubFromEnv("sends it to https://n.example/v1 now", ["https://n.example"])).toBe(
      "sends it to (sensitive)/v1 now",
    );
    expect(redactSegments(["provider", "x", "models", "m"], [3])).toEqual([
      "provider",
      "x",
      "models",
      "(sensitive)",
    ]);
  });
});
