export type { BindingContext, TargetAdapter } from "./adapter.js";
export { ADAPTERS } from "./adapters.js";
export { codexProviderId } from "./codex-config.js";
export { applyFilePlan } from "./edit.js";
export { formatKeyPath, isSensitivePath, parseKeyPath } from "./key-path.js";
export { locateTargets } from "./locate.js";
