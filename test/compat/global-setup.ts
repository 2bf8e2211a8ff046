import { installCompatClients } from "./clients.js";

export default async function setup(): Promise<void> {
  const result = await installCompatClients((msg) => console.log(`[compat] ${msg}`));
  if (!result.installed) console.log("[compat] clients already installed (cached)");
}
