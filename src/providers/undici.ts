import { setFlagsFromString } from "node:v8";
import type { Dispatcher } from "undici";

/**
 * undici, loaded on the first request. Its index loads fetch, websockets, mocks and more
 * (~100 ms on the bench machine); neuradock needs only the Agent and `dispatcher.request` (and, when a
 * proxy is in use, the ProxyAgent and `dispatcher.connect`), so it loads just those modules. These are deep
 * imports of undici's own files: `test/unit/providers/undici-pin.test.ts` pins the exact
 * undici version they were written against and proves they are the very classes the public
 * index exports; `npm run bench` measures the saving ("undici: index vs the modules used").
 */
export type AgentClass = typeof import("undici").Agent;
export type ProxyAgentClass = typeof import("undici").ProxyAgent;

const load = <T>(m: T | { default: T }) => (m as { default?: T }).default ?? (m as T);

let agent: Promise<AgentClass> | undefined;
let proxyAgent: Promise<ProxyAgentClass> | undefined;

export function loadAgent(): Promise<AgentClass> {
  if (!agent) {
    // undici parses HTTP with WebAssembly. V8 would recompile it with TurboFan in the
    // background and node waits for that job before exiting (~100 ms per run); baseline
    // (Liftoff) code parses our few small answers just as well. Set once, here, for this
    // process only (a CLI run); the bench measures it ("undici: TurboFan vs Liftoff").
    if (process.env.NEURADOCK_UNDICI_TURBOFAN !== "1") setFlagsFromString("--liftoff-only");
    agent = Promise.all([
      import("undici/lib/dispatcher/agent.js"),
      import("undici/lib/dispatcher/dispatcher.js"),
      import("undici/lib/api/api-request.js"),
    ]).then(([a, dispatcher, request]) => {
      // What undici's index does for the request API (Object.assign(Dispatcher.prototype, api)).
      const proto = load(dispatcher).prototype as { request?: unknown };
      proto.request ??= load(request);
      return load(a);
    });
  }
  return agent;
}

export function loadProxyAgent(): Promise<ProxyAgentClass> {
  proxyAgent ??= loadAgent().then(() =>
    Promise.all([
      import("undici/lib/dispatcher/proxy-agent.js"),
      import("undici/lib/dispatcher/dispatcher.js"),
      import("undici/lib/api/api-connect.js"),
    ]).then(([p, dispatcher, connect]) => {
      // The ProxyAgent opens CONNECT tunnels with `dispatcher.connect`, which undici's index
      // installs like `request`.
      const proto = load(dispatcher).prototype as { connect?: unknown };
      proto.connect ??= load(connect);
      return load(p);
    }),
  );
  return proxyAgent;
}

export type { Dispatcher };
