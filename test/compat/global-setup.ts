import { installCompatClients, installMoreClients } from "./clients.js";
import { snapshotBuild } from "./neuradock.js";

export default async function setup(): Promise<void> {
  const result = await installCompatClients((msg) => console.log(`[compat] ${msg}`));
  if (!result.installed) console.log("[compat] clients already installed (cached)");
  await installMoreClients((msg) => console.log(`[compat] ${msg}`));
  if (!snapshotBuild()) console.warn("[compat] no dist/cli.js: run `npm run build` first");
}
