/** Big, realistic user files: writes take long enough for a kill to land inside them. */
export function bigSettings(entries = 2000): string {
  const allow = Array.from({ length: entries }, (_, i) => `      "Bash(tool-${i}:*)"`).join(",\n");
  return `{\n  "model": "opus",\n  "permissions": {\n    "allow": [\n${allow}\n    ]\n  },\n  "hooks": {}\n}\n`;
}

export function bigConfig(projects = 60): string {
  const lines = [
    "# user codex config",
    'model = "gpt-5"',
    "",
    "[features]",
    "web_search = true",
    "",
  ];
  for (let i = 0; i < projects; i++) {
    lines.push(`[projects."/home/me/src/project-${i}"]`, 'trust_level = "trusted"', "");
  }
  return lines.join("\n");
}

export function configYaml(bound: boolean): string {
  const head = `version: 1
accounts:
  personal:
    provider: newapi
    url: http://127.0.0.1:9
    user_id: 1
    access_token: fake-access-token-reliability
`;
  if (!bound) return head;
  return `${head}bindings:
  claude-code:
    account: personal
    token: claude
  codex:
    account: personal
    token: codex
  gemini-cli:
    account: personal
    token: gemini
    model: gemini-2.5-pro
  opencode:
    account: personal
    token: opencode
    model: claude-sonnet-4-5
  qwen-code:
    account: personal
    token: qwen
    model: qwen3-coder-plus
`;
}

/** A user's ~/.gemini/.env: comments, `export`, quotes, their own key (taken over while bound). */
export function userGeminiEnv(): string {
  const lines = ["# my gemini setup", 'GEMINI_API_KEY="user-own-key"'];
  for (let i = 0; i < 20; i++) lines.push(`export VAR_${i}='value ${i}'   # note ${i}`);
  return `${lines.join("\n")}\n`;
}

/** A user's ~/.gemini/settings.json with comments (JSONC). */
export function userGeminiSettings(): string {
  return '{\n  // mine\n  "security": { "auth": { "selectedType": "oauth-personal" } }\n}\n';
}

/**
 * A user's ~/.qwen/settings.json (JSONC): their own provider entries in the array neuradock
 * adds one element to, their own key, comments.
 */
export function userQwenSettings(entries = 200): string {
  const list = Array.from(
    { length: entries },
    (_, i) =>
      `      { "id": "model-${i}", "baseUrl": "https://mine-${i}.example/v1", "envKey": "MY_KEY_${i}" }`,
  ).join(",\n");
  return `{\n  // mine\n  "security": { "auth": { "selectedType": "qwen-oauth", "apiKey": "user-own-key" } },\n  "modelProviders": {\n    "openai": [\n${list} // last of mine\n    ]\n  },\n  "$version": 4\n}\n`;
}
