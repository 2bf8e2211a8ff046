import { PROVIDER_DEFAULT_URLS, PROVIDER_LABELS } from "../config/nodes.js";
import { PROVIDERS, type ProviderId } from "../config/types.js";

export interface ProviderPreset {
  id: ProviderId;
  label: string;
  /** Dashboard URL when the account has no `url` (null: `url` is required). */
  defaultUrl: string | null;
}

/** All three speak the same new-api dashboard API; they differ only in where it lives. */
export const PROVIDER_PRESETS = Object.fromEntries(
  PROVIDERS.map((id) => [
    id,
    { id, label: PROVIDER_LABELS[id], defaultUrl: PROVIDER_DEFAULT_URLS[id] },
  ]),
) as Record<ProviderId, ProviderPreset>;
