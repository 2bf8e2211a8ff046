/**
 * The broken-config corpus (test/fixtures/config/broken) and the exact diagnostics each must
 * produce. Shared by the loadConfig unit test and the CLI e2e test.
 */
export const SECRET_ENV = {
  TEST_SESSION: "s3cr3t-session-value-0123456789",
  TEST_TOKEN: "s3cr3t-token-value-0123456789",
};

/** Strings that must never show up in any output: the env secrets and secret-looking file content. */
export const NEVER_SHOWN = [...Object.values(SECRET_ENV), "LEAKED", "987654321987654321"];

export const BROKEN_CONFIGS: Record<string, string[]> = {
  "nested-default.yaml": [
    "6:14: accounts.personal.session: the default of ${UNSET_SESSION:-...} contains ${: nested variables are not supported (write $${ for a literal ${)",
  ],
  "user-id-too-large.yaml": [
    "5:14: accounts.personal.user_id is too large: a new-api user id is at most 9007199254740991",
    "9:14: accounts.work.user_id is too large: a new-api user id is at most 9007199254740991",
  ],
  "cookie-injection.yaml": [
    "8:15: accounts.personal.cookies.acw_tc contains ';', ',' or whitespace, which would end the cookie (and could add others to every request)",
    "9:19: accounts.personal.cookies.cdn_sec_tc contains ';', ',' or whitespace, which would end the cookie (and could add others to every request)",
    "10:19: accounts.personal.cookies.acw_sc__v2 contains a control character (a line break?)",
  ],
  "env-proto-key.yaml": [
    "11:11: bindings.claude-code.env.__proto__ is a name JavaScript objects reserve; no tool reads it as a variable",
  ],
  "nesting-5000-deep.yaml": [
    "2:68: the YAML nests too deeply to read (more than 64 levels); neuradock.yaml needs only a few",
  ],
  "nesting-100-deep.yaml": [
    "67:131: the YAML nests more than 64 levels deep here; neuradock.yaml needs only a few",
  ],
  "alias-bomb.yaml": [
    "3:10: too many alias expansions (more than 100); refusing a possible alias bomb",
  ],
  "bad-account-id.yaml": [
    "3:3: invalid account id 'Personal': use lowercase letters, digits, '-' and '_', starting with a letter or digit",
  ],
  "bad-token-selector.yaml": [
    "10:12: bindings.claude-code.token must be a token name, { id: N }, or a list of them",
  ],
  "bad-token-resources.yaml": [
    "8:7: accounts.personal.tokens: token name 'a-name-that-is-far-too-long-for-new-api' is 39 characters long; the relay takes at most 30",
    "11:20: accounts.personal.tokens.ci-claude.quota_usd is negative",
    "12:18: accounts.personal.tokens.ci-claude.expires is in the past (2020-01-31T23:59:59.000Z): the relay would make an expired token",
    "13:37: accounts.personal.tokens.ci-claude.models: 'a,b' is not a model name (no commas or surrounding spaces)",
    '15:20: accounts.personal.tokens.ci-codex.quota_usd must be a number of USD or "unlimited"',
    '16:18: accounts.personal.tokens.ci-codex.expires must be a date (YYYY-MM-DD), an RFC 3339 time (2027-06-30T12:00:00Z) or "never"',
    "17:16: accounts.personal.tokens.ci-codex.group must not be empty",
    "18:9: unknown key 'colour' in accounts.personal.tokens.ci-codex",
  ],
  "binding-missing-account.yaml": ["8:3: bindings.claude-code: missing required key 'account'"],
  "binding-not-a-mapping.yaml": ["8:10: bindings.codex must be a mapping"],
  "both-session-and-access-token.yaml": [
    "7:5: accounts.personal: set exactly one of session and access_token, not both",
  ],
  "comments-only.yaml": [
    "1:1: the file holds no YAML content (only comments?); it needs at least `version: 1`",
  ],
  "cyclic-alias.yaml": ["3:6: an alias refers to a node that contains it (a cycle)"],
  "dangling-account.yaml": ["9:14: unknown account 'personl' — did you mean 'personal'?"],
  "duplicate-account.yaml": ["7:3: duplicate key 'personal'"],
  "duplicate-key.yaml": ["11:5: duplicate key 'token'"],
  "empty.yaml": ["1:1: the file is empty; it needs at least `version: 1`"],
  "env-on-codex.yaml": [
    "11:5: env is only supported for claude-code bindings (Codex reads no env from neuradock)",
  ],
  "failover-bad-entries.yaml": [
    "10:47: bindings.claude-code.token[3] repeats { id: 7 } (the same as token[1]); list each token once",
    "10:58: bindings.claude-code.token[4] repeats 'claude' (the same as token[0]); list each token once",
    "11:22: bindings.claude-code.min_balance_usd must be a number of USD, 0 or more",
    "14:12: bindings.codex.token is an empty list; name at least one token",
  ],
  "failover-bad-items.yaml": [
    "12:9: bindings.claude-code.token[1] must be a token name or { id: N }",
    "13:9: bindings.claude-code.token[2] must be a token name or { id: N }",
    "14:22: bindings.claude-code.min_balance_usd must be a number of USD, 0 or more",
    "18:22: bindings.codex.min_balance_usd must be a number of USD, 0 or more",
  ],
  "http-public-account-url.yaml": [
    "5:10: accounts.relay.url must use https (http is allowed only for loopback hosts; got http://relay.example.com)",
  ],
  "http-url-behind-escape.yaml": [
    "5:10: accounts.relay.url must use https (http is allowed only for loopback hosts; got http://relay.example.com)",
  ],
  "reference-from-env.yaml": [
    "9:14: unknown account '(from the environment)'",
    "14:11: unknown node '(from the environment)' for provider anyrouter (available: default, cn-shanghai, cn-nb1)",
  ],
  "http-public-node.yaml": [
    "9:12: nodes.anyrouter.plain must use https (http is allowed only for loopback hosts; got http://api.example.com)",
  ],
  "keep-other-credentials-not-bool.yaml": [
    "11:29: bindings.claude-code.keep_other_credentials must be true or false",
  ],
  "missing-version.yaml": ["1:1: missing required key 'version'"],
  "multiple-documents.yaml": [
    "2:1: the file holds more than one YAML document (---); neuradock reads exactly one",
  ],
  "neither-session-nor-access-token.yaml": [
    "3:3: accounts.personal: missing session or access_token (exactly one is required)",
  ],
  "newapi-without-url.yaml": ["3:3: accounts.relay: url is required for provider newapi"],
  "node-of-other-provider.yaml": [
    "14:11: unknown node 'fast' for provider agentrouter (available: default); 'fast' is a node of anyrouter, not of agentrouter",
  ],
  "reserved-account-ids.yaml": [
    "3:3: account id 'openai' is reserved (it is a Codex built-in provider id); choose another id",
    "8:3: account id 'anyrouter' is reserved (it is a provider name); choose another id",
  ],
  "reserved-claude-env.yaml": [
    "12:7: bindings.claude-code.env.ANTHROPIC_BASE_URL is written by neuradock from the binding's node",
  ],
  "root-is-list.yaml": ["1:1: must be a mapping"],
  "secret-wrong-type.yaml": [
    "6:14: accounts.personal.session must be a string (use ${VAR} to read it from the environment)",
    "8:15: accounts.personal.cookies.acw_tc must be a string",
  ],
  "several-problems.yaml": [
    "9:14: unknown account 'personl' — did you mean 'personal'?",
    "13:12: bindings.codex.token must be a token name, { id: N }, or a list of them",
    "14:11: unknown node 'nope' for provider anyrouter (available: default, cn-shanghai, cn-nb1)",
  ],
  "secret-not-a-header.yaml": [
    "8:15: accounts.personal.cookies.acw_tc has leading or trailing whitespace (a copy-paste slip?)",
    "12:19: accounts.work.access_token has leading or trailing whitespace (a copy-paste slip?)",
  ],
  "shadowed-builtin-node.yaml": [
    "9:5: custom node 'cn-shanghai' would shadow the built-in anyrouter node 'cn-shanghai'; choose another name",
  ],
  "syntax-compact-mapping.yaml": [
    "2:11: YAML syntax error: Nested mappings are not allowed in compact mappings",
  ],
  "syntax-tab-indent.yaml": [
    "3:1: tabs are not allowed as indentation in YAML; indent with spaces",
  ],
  "syntax-unclosed-flow.yaml": [
    "5:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
  ],
  "syntax-unclosed-quote.yaml": ['6:1: YAML syntax error: Missing closing "quote'],
  "unknown-account-key.yaml": [
    "3:3: accounts.personal: missing session or access_token (exactly one is required)",
    "6:5: unknown key 'sesion' in accounts.personal — did you mean 'session'?",
  ],
  "unknown-node-provider.yaml": [
    "8:3: unknown provider 'anyroutr' under nodes — did you mean 'anyrouter'? (expected one of anyrouter, agentrouter, newapi)",
  ],
  "unknown-node.yaml": [
    "11:11: unknown node 'cn-shangai' for provider anyrouter (available: default, cn-shanghai, cn-nb1) — did you mean 'cn-shanghai'?",
  ],
  "unknown-provider.yaml": [
    "4:15: unknown provider 'anyroutr' — did you mean 'anyrouter'? (expected one of anyrouter, agentrouter, newapi)",
  ],
  "unknown-tool.yaml": [
    "8:3: unknown tool 'claude' — did you mean 'claude-code'? (expected one of claude-code, codex, opencode, gemini-cli, qwen-code)",
  ],
  "unknown-top-level-key.yaml": [
    "2:1: unknown key 'acounts' at top level — did you mean 'accounts'?",
  ],
  "unset-variable.yaml": [
    "6:14: accounts.personal.session: environment variable NEURADOCK_TEST_UNSET_VAR is not set",
  ],
  "unterminated-variable.yaml": [
    "6:14: accounts.personal.session: unterminated ${ (write $${ for a literal ${)",
  ],
  "url-without-scheme.yaml": ["5:10: accounts.relay.url is not a valid URL"],
  "user-id-not-numeric.yaml": [
    "5:14: accounts.personal.user_id must be a positive integer (or a numeric string)",
  ],
  "wrong-version.yaml": ["1:10: version must be 1"],
};
