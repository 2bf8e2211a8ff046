import { describe, expect, it } from "vitest";
import { homeDir, stateDir, userConfigDir } from "../../../src/system/paths.js";

describe("state and config locations", () => {
  it("NEURADOCK_STATE_DIR wins, then XDG_STATE_HOME, then ~/.local/state", () => {
    expect(stateDir({ HOME: "/h", NEURADOCK_STATE_DIR: "/s" }, "linux")).toBe("/s");
    expect(stateDir({ HOME: "/h", XDG_STATE_HOME: "/x" }, "linux")).toBe("/x/neuradock");
    expect(stateDir({ HOME: "/h" }, "linux")).toBe("/h/.local/state/neuradock");
  });

  it("an empty or relative XDG variable counts as unset", () => {
    for (const value of ["", "relative/dir"]) {
      expect(stateDir({ HOME: "/h", XDG_STATE_HOME: value }, "linux")).toBe(
        "/h/.local/state/neuradock",
      );
      expect(userConfigDir({ HOME: "/h", XDG_CONFIG_HOME: value }, "linux")).toBe(
        "/h/.config/neuradock",
      );
    }
    expect(userConfigDir({ HOME: "/h", XDG_CONFIG_HOME: "/c" }, "linux")).toBe("/c/neuradock");
  });

  it("Windows: LOCALAPPDATA for state, APPDATA for config, USERPROFILE for home", () => {
    const env = { USERPROFILE: "C:\\Users\\u", LOCALAPPDATA: "L", APPDATA: "R" };
    expect(homeDir(env, "win32")).toBe("C:\\Users\\u");
    expect(stateDir(env, "win32")).toMatch(/^L[\\/]neuradock$/);
    expect(userConfigDir(env, "win32")).toMatch(/^R[\\/]neuradock$/);
  });
});
