import type { ProviderId } from "../config/types.js";

export interface ProviderPreset {
  id: ProviderId;
  label: string;
  /** Dashboard URL when the account has no `url` (null: `url` is required). */
  defaultUrl: string | null;
}

/** All three speak the same new-api dashboard API; they differ only in where it lives. */
export const PROVIDER_PRESETS: Record<ProviderId, ProviderPreset> = {
  anyrouter: { id: "anyrouter", label: "AnyRouter", defaultUrl: "https://anyrouter.top" },
  agentrouter: { id: "agentrouter", label: "AgentRouter", defaultUrl: "https://agentrouter.org" },
  newapi: { id: "newapi", label: "new-api", defaultUrl: null },
};
