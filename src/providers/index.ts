export { isMaskedKey, keyHintOf, toApiKey } from "./api-key.js";
export { DEFAULT_HTTP_OPTIONS, readHttpOptionsFromEnv } from "./http.js";
export { PROVIDER_PRESETS, type ProviderPreset } from "./presets.js";
export {
  readCachedTokens,
  TOKEN_CACHE_TTL_MS,
  tokenCacheDir,
  writeCachedTokens,
} from "./token-cache.js";
export { mapTokenStatus, QUOTA_PER_USD, toTokenInfo } from "./token-list.js";
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
