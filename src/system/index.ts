export { createRealSystem } from "./real-system.js";
export type { FileStat, System, WriteOptions } from "./types.js";
