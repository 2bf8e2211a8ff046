import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A small real forward proxy on 127.0.0.1, as corporate proxies work: plain absolute-form
 * requests for http targets, CONNECT tunnels for https ones; optionally wanting credentials
 * (407) or refusing tunnels (403). Every request it sees is logged.
 */
export interface ProxyLogEntry {
  kind: "plain" | "connect";
  /** `http://host:port/path` (plain) or `host:port` (CONNECT). */
  target: string;
  /** The Proxy-Authorization header, if any. */
  auth?: string;
}

export interface ForwardProxy {
  url: string;
  port: number;
  log: ProxyLogEntry[];
  close(): Promise<void>;
}

export async function startForwardProxy(
  opts: { credentials?: { user: string; password: string }; denyConnect?: boolean } = {},
): Promise<ForwardProxy> {
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  const wanted = opts.credentials
    ? `Basic ${Buffer.from(`${opts.credentials.user}:${opts.credentials.password}`).toString("base64")}`
    : undefined;
  const server = createServer((req, res) => {
    const auth = req.headers["proxy-authorization"];
    log.push({ kind: "plain", target: req.url ?? "", ...(auth ? { auth } : {}) });
    if (wanted && auth !== wanted) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"' }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("absolute-form request expected");
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end("bad gateway");
      else res.destroy();
    });
    req.pipe(upstream);
  });
  server.on("connect", (req, client: Socket, head: Buffer) => {
    const auth = req.headers["proxy-authorization"];
    log.push({ kind: "connect", target: req.url ?? "", ...(auth ? { auth } : {}) });
    if (wanted && auth !== wanted) {
      client.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
      return;
    }
    if (opts.denyConnect) {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host as string, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n"));
    client.on("error", () => upstream.destroy());
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released): a proxy that refuses connections. */
export async function refusedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A throw-away self-signed certificate for `localhost` and 127.0.0.1 (openssl). */
export function selfSignedCert(): { key: string; cert: string; certFile: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "nd-cert-"));
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return {
    key: readFileSync(keyFile, "utf8"),
    cert: readFileSync(certFile, "utf8"),
    certFile,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
