import { describe, expect, it } from "vitest";
import {
  bypassesProxy,
  parseNoProxy,
  parseProxyUrl,
  readProxyEnv,
  routeFor,
} from "../../../src/providers/proxy.js";

const url = (u: string) => new URL(u);
const bypass = (noProxy: string, target: string) =>
  bypassesProxy(parseNoProxy(noProxy), url(target));

describe("NO_PROXY (curl's rules)", () => {
  it("matches a host and its subdomains, with or without a leading dot", () => {
    expect(bypass("example.com", "https://example.com/")).toBe(true);
    expect(bypass("example.com", "https://api.example.com/")).toBe(true);
    expect(bypass(".example.com", "https://example.com/")).toBe(true);
    expect(bypass(".example.com", "https://a.b.example.com/")).toBe(true);
    expect(bypass("*.example.com", "https://a.example.com/")).toBe(true);
    expect(bypass("example.com", "https://notexample.com/")).toBe(false);
    expect(bypass("example.com", "https://example.com.evil.org/")).toBe(false);
  });
  it("is case-insensitive, comma- or space-separated, and ignores empty entries", () => {
    expect(bypass("foo.org, ,EXAMPLE.com", "https://Api.Example.COM/")).toBe(true);
    expect(bypass("foo.org bar.org", "https://bar.org/")).toBe(true);
  });
  it("`*` covers everything", () => {
    expect(bypass("*", "https://anyrouter.top/")).toBe(true);
  });
  it("host:port matches only that port (default ports included)", () => {
    expect(bypass("relay.example:8443", "https://relay.example:8443/")).toBe(true);
    expect(bypass("relay.example:8443", "https://relay.example/")).toBe(false);
    expect(bypass("relay.example:443", "https://relay.example/")).toBe(true);
  });
  it("matches IP addresses exactly or by CIDR, never as a suffix", () => {
    expect(bypass("127.0.0.1", "http://127.0.0.1:8080/")).toBe(true);
    expect(bypass("10.0.0.0/8", "http://10.1.2.3/")).toBe(true);
    expect(bypass("10.0.0.0/8", "http://11.1.2.3/")).toBe(false);
    expect(bypass("0.0.1", "http://127.0.0.1/")).toBe(false);
    expect(bypass("::1", "http://[::1]:8080/")).toBe(true);
    expect(bypass("[::1]:8080", "http://[::1]:8080/")).toBe(true);
  });
  it("has no implicit loopback bypass", () => {
    expect(bypass("", "http://127.0.0.1:8080/")).toBe(false);
    expect(bypass("example.com", "http://localhost:8080/")).toBe(false);
  });
});

describe("which proxy a request takes", () => {
  it("HTTPS_PROXY for https, HTTP_PROXY for http, each in either case, lower-case winning", () => {
    const env = readProxyEnv({
      HTTPS_PROXY: "http://upper:1",
      https_proxy: "http://lower:2",
      HTTP_PROXY: "http://plain:3",
    });
    expect(routeFor(url("https://r.example/"), undefined, env)?.shown).toBe("http://lower:2");
    expect(routeFor(url("https://r.example/"), undefined, env)?.source).toBe("https_proxy");
    expect(routeFor(url("http://127.0.0.1/"), undefined, env)?.source).toBe("HTTP_PROXY");
    // curl: HTTP_PROXY is not used for https, nor HTTPS_PROXY for http.
    expect(
      routeFor(url("https://r.example/"), undefined, readProxyEnv({ HTTP_PROXY: "h:1" })),
    ).toBeNull();
    expect(
      routeFor(url("http://r.local/"), undefined, readProxyEnv({ HTTPS_PROXY: "h:1" })),
    ).toBeNull();
  });
  it("an empty variable counts as unset", () => {
    const env = readProxyEnv({ https_proxy: "", HTTPS_PROXY: "http://upper:1" });
    expect(routeFor(url("https://r.example/"), undefined, env)?.source).toBe("HTTPS_PROXY");
  });
  it("NO_PROXY (either case) exempts hosts; an account's own proxy overrides it all", () => {
    const env = readProxyEnv({ HTTPS_PROXY: "http://p:1", no_proxy: "r.example" });
    expect(routeFor(url("https://r.example/"), undefined, env)).toBeNull();
    const own = { value: "http://own:9", source: "accounts.a.proxy" };
    expect(routeFor(url("https://r.example/"), own, env)?.shown).toBe("http://own:9");
  });
  it("never shows credentials, and names the source of a bad proxy without its value", () => {
    const env = readProxyEnv({ HTTPS_PROXY: "http://me:s3cret@p.example:3128" });
    const route = routeFor(url("https://r.example/"), undefined, env);
    expect(route?.shown).toBe("http://p.example:3128");
    expect(route?.href).toContain("me:s3cret@");
    const bad = readProxyEnv({ HTTPS_PROXY: "socks5://me:s3cret@p:1080" });
    expect(() => routeFor(url("https://r.example/"), undefined, bad)).toThrow(
      /the environment variable HTTPS_PROXY uses the unsupported proxy scheme socks5:\/\//,
    );
    try {
      routeFor(url("https://r.example/"), undefined, bad);
    } catch (err) {
      expect((err as Error).message).not.toContain("s3cret");
    }
  });
  it("reads a proxy without a scheme as http:// (curl)", () => {
    expect(parseProxyUrl("proxy.example:3128").href).toBe("http://proxy.example:3128/");
    expect(() => parseProxyUrl("http://p:1/path")).toThrow(/no path/);
  });
});
