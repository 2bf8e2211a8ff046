import { BlockList, isIP } from "node:net";
import { ProxyConfigError, parseProxyUrl, showProxy } from "../config/proxy-url.js";

export { ProxyConfigError, parseProxyUrl, showProxy };

/**
 * Which proxy a relay request goes through (docs/relay.md §1): `accounts.<id>.proxy`, else
 * HTTPS_PROXY for https and HTTP_PROXY for http relays, unless NO_PROXY covers the host.
 * Each variable in either case, the lower-case spelling winning; an empty one counts as unset.
 * No implicit bypass (loopback included): only NO_PROXY decides.
 */
export interface ProxyRoute {
  /** The proxy URL with its credentials, for the agent only. */
  href: string;
  /** The proxy as it may be shown: scheme, host and port, never credentials. */
  shown: string;
  /** Where it came from, for messages: `HTTPS_PROXY`, `https_proxy` or `accounts.<id>.proxy`. */
  source: string;
}

/** The environment's proxy settings, read once per command. */
export interface ProxyEnv {
  http?: { value: string; name: string };
  https?: { value: string; name: string };
  noProxy: NoProxyRule[];
}

function pick(env: NodeJS.ProcessEnv, lower: string): { value: string; name: string } | undefined {
  const upper = lower.toUpperCase();
  for (const name of [lower, upper]) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") return { value, name };
  }
  return undefined;
}

export function readProxyEnv(env: NodeJS.ProcessEnv): ProxyEnv {
  const out: ProxyEnv = { noProxy: parseNoProxy(pick(env, "no_proxy")?.value ?? "") };
  const http = pick(env, "http_proxy");
  const https = pick(env, "https_proxy");
  if (http) out.http = http;
  if (https) out.https = https;
  return out;
}

export type NoProxyRule =
  | { kind: "all" }
  | { kind: "host"; host: string; port?: number }
  | { kind: "cidr"; list: BlockList; port?: number };

/** NO_PROXY: comma- (or space-) separated `*`, hosts, `.suffix`es, `host:port`, IPs and CIDRs. */
export function parseNoProxy(value: string): NoProxyRule[] {
  const rules: NoProxyRule[] = [];
  for (const raw of value.split(/[,\s]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") {
      rules.push({ kind: "all" });
      continue;
    }
    let port: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      entry = bracketed[1] as string;
      if (bracketed[2]) port = Number(bracketed[2]);
    } else {
      const withPort = /^(.*[^:]):(\d+)$/.exec(entry);
      // `::1` is an IPv6 address, not host ':' port 1.
      if (withPort && isIP(entry) !== 6) {
        entry = withPort[1] as string;
        port = Number(withPort[2]);
      }
    }
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      const family = isIP(cidr[1] as string);
      const bits = Number(cidr[2]);
      if (family !== 0 && bits <= (family === 4 ? 32 : 128)) {
        const list = new BlockList();
        list.addSubnet(cidr[1] as string, bits, family === 4 ? "ipv4" : "ipv6");
        rules.push({ kind: "cidr", list, ...(port !== undefined ? { port } : {}) });
      }
      continue;
    }
    // curl: a leading dot (or `*.`) means the domain and every subdomain, as a bare name does.
    const host = entry.replace(/^\*?\./, "").replace(/\.$/, "");
    if (host !== "") rules.push({ kind: "host", host, ...(port !== undefined ? { port } : {}) });
  }
  return rules;
}

/** NO_PROXY covers this host (and port). */
export function bypassesProxy(rules: readonly NoProxyRule[], target: URL): boolean {
  const host = target.hostname
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  const port = Number(target.port) || (target.protocol === "https:" ? 443 : 80);
  const family = isIP(host);
  return rules.some((rule) => {
    if (rule.kind === "all") return true;
    if (rule.port !== undefined && rule.port !== port) return false;
    if (rule.kind === "cidr") {
      return family !== 0 && rule.list.check(host, family === 4 ? "ipv4" : "ipv6");
    }
    return host === rule.host || (family === 0 && host.endsWith(`.${rule.host}`));
  });
}

/**
 * The proxy for one request, or null for a direct connection. An account's own `proxy`
 * overrides the environment (NO_PROXY included): it was asked for that account.
 */
export function routeFor(
  target: URL,
  accountProxy: { value: string; source: string } | undefined,
  proxies: ProxyEnv,
): ProxyRoute | null {
  let chosen: { value: string; source: string } | undefined = accountProxy;
  if (!chosen) {
    const fromEnv = target.protocol === "https:" ? proxies.https : proxies.http;
    if (!fromEnv || bypassesProxy(proxies.noProxy, target)) return null;
    chosen = { value: fromEnv.value, source: fromEnv.name };
  }
  let url: URL;
  try {
    url = parseProxyUrl(chosen.value);
  } catch (err) {
    const what = chosen.source.startsWith("accounts.")
      ? chosen.source
      : `the environment variable ${chosen.source}`;
    throw new ProxyConfigError(`${what} ${(err as Error).message}`);
  }
  return { href: url.href, shown: showProxy(url), source: chosen.source };
}
