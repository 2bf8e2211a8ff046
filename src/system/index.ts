export { createRealSystem, createSystemFor, homeOwner, type Owner } from "./real-system.js";
export type { FileStat, System, WriteOptions } from "./types.js";
