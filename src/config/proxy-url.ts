/** Proxy URLs as `accounts.<id>.proxy` and HTTPS_PROXY/HTTP_PROXY give them (docs/relay.md §1). */

export const PROXY_SCHEMES = ["http:", "https:"] as const;

/** A proxy URL that neuradock cannot use. */
export class ProxyConfigError extends Error {}

/**
 * Parses a proxy URL the way curl does (no scheme means http://). Throws ProxyConfigError
 * without ever quoting the value (it may carry credentials).
 */
export function parseProxyUrl(raw: string): URL {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ProxyConfigError("is not a valid proxy URL");
  }
  if (!(PROXY_SCHEMES as readonly string[]).includes(url.protocol)) {
    throw new ProxyConfigError(
      `uses the unsupported proxy scheme ${url.protocol.replace(/:$/, "")}:// (use http:// or https://)`,
    );
  }
  if (url.hostname === "") throw new ProxyConfigError("has no host");
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    throw new ProxyConfigError("must be scheme://[user:password@]host[:port] with no path");
  }
  return url;
}

/** `http://host:port`: a proxy URL as it may be printed. */
export function showProxy(url: URL): string {
  return `${url.protocol}//${url.host}`;
}
