// The undici modules neuradock loads instead of its index (see src/providers/undici.ts).
declare module "undici/lib/dispatcher/agent.js" {
  const Agent: typeof import("undici").Agent;
  export default Agent;
}
declare module "undici/lib/dispatcher/proxy-agent.js" {
  const ProxyAgent: typeof import("undici").ProxyAgent;
  export default ProxyAgent;
}
declare module "undici/lib/dispatcher/dispatcher.js" {
  const Dispatcher: typeof import("undici").Dispatcher;
  export default Dispatcher;
}
declare module "undici/lib/api/api-request.js" {
  const request: (this: import("undici").Dispatcher, opts: unknown) => Promise<unknown>;
  export default request;
}
declare module "undici/lib/api/api-connect.js" {
  const connect: (this: import("undici").Dispatcher, opts: unknown) => Promise<unknown>;
  export default connect;
}
