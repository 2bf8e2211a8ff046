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
`;
}
