import type { Account, Config, NodeDef, ProviderId } from "./types.js";
import { PROVIDERS } from "./types.js";

/** Built-in nodes: always present, never shadowed. newapi's `default` is the account's own url. */
export const BUILTIN_NODES: readonly NodeDef[] = [
  { provider: "anyrouter", name: "default", url: "https://anyrouter.top", builtin: true },
  {
    provider: "anyrouter",
    name: "cn-shanghai",
    url: "https://a-ocnfniawgw.cn-shanghai.fcapp.run",
    builtin: true,
  },
  {
    provider: "anyrouter",
    name: "cn-nb1",
    url: "https://pmpjfbhq.cn-nb1.rainapp.top",
    builtin: true,
  },
  { provider: "agentrouter", name: "default", url: "https://agentrouter.org", builtin: true },
  { provider: "newapi", name: "default", url: null, builtin: true },
];

/** Dashboard domain per provider when an account has no `url`; newapi has none. */
export const PROVIDER_DEFAULT_URLS: Readonly<Record<ProviderId, string | null>> = {
  anyrouter: "https://anyrouter.top",
  agentrouter: "https://agentrouter.org",
  newapi: null,
};

/** How each provider is named to people (and in Codex's provider table). */
export const PROVIDER_LABELS: Readonly<Record<ProviderId, string>> = {
  anyrouter: "AnyRouter",
  agentrouter: "AgentRouter",
  newapi: "new-api",
};

export function isBuiltinNode(provider: ProviderId, name: string): boolean {
  return BUILTIN_NODES.some((n) => n.provider === provider && n.name === name);
}

/** Built-in then custom nodes, optionally of one provider. */
export function listNodes(config: Pick<Config, "nodes"> | null, provider?: ProviderId): NodeDef[] {
  const all = [...BUILTIN_NODES, ...(config?.nodes ?? [])];
  const order = (p: ProviderId) => PROVIDERS.indexOf(p);
  return all
    .filter((n) => provider === undefined || n.provider === provider)
    .sort((a, b) => order(a.provider) - order(b.provider))
    .map((n) => ({ ...n }));
}

/** Names of the nodes usable by accounts of this provider. */
export function nodeNamesFor(config: Pick<Config, "nodes">, provider: ProviderId): string[] {
  return listNodes(config, provider).map((n) => n.name);
}

/** The base URL (no trailing slash, no /v1) a binding through `nodeName` talks to, if such a node exists. */
export function nodeUrlFor(
  account: Pick<Account, "provider" | "url">,
  nodeName: string,
  config: Pick<Config, "nodes">,
): string | undefined {
  const node = listNodes(config, account.provider).find((n) => n.name === nodeName);
  if (!node) return undefined;
  // `default` is the account's own url: the provider's domain, or the account's `url:`
  // override (a mirror or a self-hosted copy serves the API where it serves the dashboard).
  if (node.builtin && node.name === "default") return normalizeBaseUrl(account.url);
  return normalizeBaseUrl(node.url ?? account.url);
}

/** Drop a trailing slash and a trailing /v1: the tools append /v1 themselves. */
export function normalizeBaseUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, "");
  if (/\/v1$/i.test(u)) u = u.slice(0, -3).replace(/\/+$/, "");
  return u;
}

/** Loopback hosts may use plain http; every other host must be https. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Why a URL is not acceptable, or null when it is. Never echoes the URL (it may carry credentials). */
export function checkUrl(raw: string, opts: { quoteHost?: boolean } = {}): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return "is not a valid URL";
  }
  if (url.username || url.password) return "must not contain credentials (user:password@)";
  if (url.search || url.hash) return "must not have a query or fragment";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") {
    return isLoopbackHost(url.hostname)
      ? null
      : `must use https (http is allowed only for loopback hosts; got http://${opts.quoteHost === false ? "…" : url.hostname})`;
  }
  return `must be an https URL (got ${url.protocol.replace(/:$/, "")}:)`;
}
