import { describe, expect, it } from "vitest";
import { Secret } from "../../../src/secret.js";
import { bound, relayName, safeText, scrubSecrets, stripControl } from "../../../src/untrusted.js";

describe("untrusted text", () => {
  it("strips ANSI escapes (CSI, OSC), C0/C1 controls and bidi overrides", () => {
    expect(stripControl("\x1b[2J\x1b[1;1Hok\x1b]0;title\x07!\x9b2J\u202eevil\x00")).toBe("ok!evil");
    expect(stripControl("a\r\nb\tc\u2028d")).toBe("a b c d");
    expect(stripControl("a\r\nb", { keepNewlines: true })).toBe("a\nb");
  });

  it("scrubs key-shaped strings and every registered secret, not hints", () => {
    new Secret("registered-secret-value");
    expect(scrubSecrets("k=sk-abcdefghijklmnop x=registered-secret-value")).toBe(
      "k=(sensitive) x=(sensitive)",
    );
    expect(scrubSecrets("hint sk-abcd…wxyz")).toBe("hint sk-abcd…wxyz");
    expect(scrubSecrets("short abc", ["abc"])).toBe("short abc");
    expect(scrubSecrets("short abcd", ["abcd"])).toBe("short (sensitive)");
  });

  it("bounds long names by code points", () => {
    expect(bound("x".repeat(50), 10)).toBe(`${"x".repeat(9)}…`);
    expect(bound("😀".repeat(5), 3)).toBe("😀😀…");
    expect(relayName("n".repeat(500))).toHaveLength(40);
    expect(safeText("sk-aaaaaaaaaaaaaaaaaaaa", { max: 5 })).toBe("(sen…");
  });
});
