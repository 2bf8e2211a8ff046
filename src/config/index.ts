export {
  CONFIG_NAMES,
  ConfigNotFoundError,
  type ConfigSource,
  type FoundConfig,
  findConfig,
  findConfigFile,
} from "./discover.js";
export type { LoadConfigOptions } from "./load-config.js";
export { displayPath, loadConfig } from "./load-config.js";
export {
  BUILTIN_NODES,
  isBuiltinNode,
  listNodes,
  nodeUrlFor,
  normalizeBaseUrl,
  PROVIDER_DEFAULT_URLS,
} from "./nodes.js";
