export type { DryRunAction, DryRunSystem } from "./dry-run-system.js";
export { createDryRunSystem } from "./dry-run-system.js";
export type { MemoryEntry, MemoryFault, MemorySystem } from "./memory-system.js";
export { createMemorySystem } from "./memory-system.js";
export { createRealSystem } from "./real-system.js";
export type { FileStat, System, WriteOptions } from "./types.js";
