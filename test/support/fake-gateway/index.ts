export * from "./dataset.js";
export * from "./server.js";
