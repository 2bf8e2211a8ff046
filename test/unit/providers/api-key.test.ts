import { describe, expect, it } from "vitest";
import { isMaskedKey, keyHintOf, toApiKey } from "../../../src/providers/api-key.js";

describe("toApiKey", () => {
  it("adds sk- to a stored key", () => {
    expect(toApiKey("abcdefghijklmnop1234").secret.reveal()).toBe("sk-abcdefghijklmnop1234");
  });

  it("adds sk- exactly once", () => {
    expect(toApiKey("sk-abcdefghijklmnop1234").secret.reveal()).toBe("sk-abcdefghijklmnop1234");
  });

  it("refuses a masked key, so it can never become an ApiKey", () => {
    expect(() => toApiKey("abcd**********wxyz")).toThrow(/masked/);
    expect(() => toApiKey("sk-abcd**********wxyz")).toThrow(/masked/);
  });

  it("refuses an empty key", () => {
    expect(() => toApiKey("")).toThrow();
    expect(() => toApiKey("sk-")).toThrow();
  });

  it("keeps the key redacted when printed", () => {
    const key = toApiKey("abcdefghijklmnop1234");
    expect(JSON.stringify(key)).not.toContain("abcdefghijklmnop");
    expect(String(key.secret)).not.toContain("abcdefghijklmnop");
  });
});

describe("keyHintOf", () => {
  it("shows 4 + 4 characters of a full key", () => {
    expect(keyHintOf("abcdefghijklmnopqrstuvwxyz")).toBe("sk-abcd…wxyz");
    expect(keyHintOf("sk-abcdefghijklmnopqrstuvwxyz")).toBe("sk-abcd…wxyz");
  });

  it("reads the same hint off a masked key", () => {
    expect(keyHintOf("abcd**********wxyz")).toBe("sk-abcd…wxyz");
  });

  it("shows nothing of a short key", () => {
    expect(keyHintOf("short1234")).toBe("sk-…");
  });

  it("detects masking", () => {
    expect(isMaskedKey("ab**cd")).toBe(true);
    expect(isMaskedKey("abcd")).toBe(false);
  });
});
