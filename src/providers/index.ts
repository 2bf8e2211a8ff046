export { isMaskedKey, keyHintOf, toApiKey } from "./api-key.js";
export { type CheckinOutcome, type CheckinStatus, checkinRoute } from "./checkin.js";
export {
  type ClientOptions,
  DEFAULT_HTTP_OPTIONS,
  type RelayEvent,
  readHttpOptionsFromEnv,
} from "./client.js";
export { type AccountBalance, QUOTA_PER_USD, usableUsd } from "./money.js";
export { PROVIDER_PRESETS, type ProviderPreset } from "./presets.js";
export { createRelayClient, type RelayClient, type TokenBody } from "./relay-client.js";
export {
  readCachedTokens,
  TOKEN_CACHE_TTL_MS,
  tokenCacheDir,
  writeCachedTokens,
} from "./token-cache.js";
export { mapTokenStatus, toTokenInfo } from "./token-list.js";
export {
  type ClosableTokenSource,
  combineErrors,
  createTokenSource,
  fetchAllTokens,
  resolveAllTokens,
  type TokenRequest,
  type TokenSourceOptions,
  unwrapAll,
} from "./token-source.js";
