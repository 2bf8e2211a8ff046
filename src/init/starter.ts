import { Document, isMap, isScalar, Pair, parseDocument, Scalar, YAMLMap } from "yaml";
import type { ProviderId, ToolId } from "../config/types.js";
import type { NewAccount } from "./match.js";

/**
 * The schema's public, stable address (its `$id`; the SchemaStore catalog entry in
 * schema/schemastore-catalog.json points editors at it for every neuradock.yaml).
 */
export const SCHEMA_URL = "https://unpkg.com/neuradock/schema/neuradock.schema.json";

/** A binding `init` writes: the token by name when the name is unique, else by id. */
export interface NewBinding {
  tool: ToolId;
  account: string;
  token: { id: number; name: string; unique: boolean };
  node: string;
  /** The model the tool uses now (written for a tool whose binding needs one: qwen-code). */
  model?: string;
}

/** A tool found set up but not yet bindable: said in a comment, and on stdout. */
export interface PendingBinding {
  tool: ToolId;
  account: string;
  /** What the user has to do (no secret, no relay text). */
  todo: string;
}

export interface StarterInput {
  schema: string;
  accounts: readonly NewAccount[];
  bindings: readonly NewBinding[];
  pending: readonly PendingBinding[];
  /** No existing setup was found: write an example account and binding to edit. */
  example?: { provider: ProviderId; account: NewAccount };
}

/**
 * The starter neuradock.yaml, built as a YAML document (never by pasting text): every value,
 * a token name from the relay included, is quoted by the YAML library as it needs, so no
 * value can add a key; comments carry only neuradock's own words and sanitised names.
 */
export function renderStarter(input: StarterInput): string {
  const doc = new Document({ version: 1 });
  doc.commentBefore = [
    ` yaml-language-server: $schema=${input.schema}`,
    " neuradock.yaml — which token of which relay account each AI coding tool uses.",
    " Secrets never go in this file: it says ${VARIABLE}, and you export the variable.",
    " Then: neuradock validate && neuradock plan && neuradock apply",
  ].join("\n");
  const root = doc.contents as YAMLMap;

  const accounts = new YAMLMap();
  for (const a of input.example ? [input.example.account] : input.accounts) {
    accounts.items.push(pair(a.id, accountNode(doc, a)));
  }
  root.items.push(pair("accounts", accounts, { space: true }));

  const bindings = new YAMLMap();
  const before = [
    " Custom nodes (extra base URLs) beside the built-in ones (`neuradock nodes` lists them):",
    " nodes:",
    "   anyrouter:",
    "     my-node: https://api.example.com",
    "",
    " A list of tokens is a failover: every apply binds the first healthy one (enabled, not",
    " expired, more than min_balance_usd left to spend), so `neuradock apply -y` on a timer",
    " moves a tool off a token that runs dry, and back when it recovers:",
    "   token: [claude, claude-backup]",
    "   min_balance_usd: 1",
    "",
  ];
  if (input.example) {
    before.push(
      " Bindings: which token (by name, or { id: N }) of which account, through which node.",
      " Remove a binding to give the tool its previous settings back.",
    );
    const id = input.example.account.id;
    const b = new YAMLMap();
    b.items.push(pair("account", doc.createNode(id)));
    const token = doc.createNode("claude") as Scalar;
    token.comment = " a token name: `neuradock tokens` lists yours";
    b.items.push(pair("token", token));
    bindings.items.push(pair("claude-code", b));
    bindings.comment = ` codex:\n   account: ${id}\n   token: codex`;
  } else {
    before.push(" Bindings found in your tools' current settings (remove one to give it back).");
    for (const b of input.bindings) bindings.items.push(pair(b.tool, bindingNode(doc, b)));
    if (input.pending.length > 0) {
      const lines = input.pending.flatMap((p) => [
        ` ${p.tool} (account ${p.account}): ${plainText(p.todo, 400)}`,
      ]);
      if (input.bindings.length > 0) bindings.comment = lines.join("\n");
      else before.push(...lines);
    }
  }
  root.items.push(pair("bindings", bindings, { space: true, before: before.join("\n") }));
  return String(doc);
}

/**
 * Adds accounts and bindings to an existing file without touching what is there. Only when
 * the YAML library reproduces the file byte for byte (so nothing else can change); otherwise
 * returns the snippet to paste, and the caller says so.
 */
export function addToConfig(
  text: string,
  accounts: readonly NewAccount[],
  bindings: readonly NewBinding[],
): { kind: "updated"; text: string } | { kind: "manual"; snippet: string } {
  const doc = parseDocument(text);
  const fresh = new Document({});
  const addIn = (target: Document, key: string, items: Pair[]) => {
    if (items.length === 0) return true;
    const root = target.contents;
    if (!isMap(root)) return false;
    let map = root.items.find((p) => isScalar(p.key) && p.key.value === key)?.value;
    if (map === null || map === undefined || (isScalar(map) && map.value === null)) {
      map = new YAMLMap();
      const at = root.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (at) at.value = map;
      else root.items.push(pair(key, map, { space: root.items.length > 0 }));
    }
    if (!isMap(map)) return false;
    // The starter's empty `bindings: {}` (nothing bindable yet) grows into a block mapping.
    if (map.flow && map.items.length === 0) map.flow = false;
    map.items.push(...items);
    return true;
  };
  const accountPairs = (d: Document) => accounts.map((a) => pair(a.id, accountNode(d, a)));
  const bindingPairs = (d: Document) => bindings.map((b) => pair(b.tool, bindingNode(d, b)));
  const roundTrips = doc.errors.length === 0 && String(doc) === text;
  if (
    roundTrips &&
    addIn(doc, "accounts", accountPairs(doc)) &&
    addIn(doc, "bindings", bindingPairs(doc))
  ) {
    return { kind: "updated", text: String(doc) };
  }
  addIn(fresh, "accounts", accountPairs(fresh));
  addIn(fresh, "bindings", bindingPairs(fresh));
  return { kind: "manual", snippet: String(fresh) };
}

function accountNode(doc: Document, a: NewAccount): YAMLMap {
  const m = new YAMLMap();
  m.items.push(pair("provider", doc.createNode(a.provider)));
  if (a.url !== undefined) {
    const url = doc.createNode(literal(a.url)) as Scalar;
    url.comment = " the relay's address";
    m.items.push(pair("url", url));
  }
  const userId = doc.createNode(a.userId ?? `\${${a.vars.userId}}`) as Scalar;
  userId.comment =
    a.userId === undefined
      ? " your numeric user id on the relay (or write the number here)"
      : ` your user id on the relay (from ${a.vars.userId})`;
  m.items.push(pair("user_id", userId));
  const session = a.credential === "session";
  const secret = doc.createNode(`\${${session ? a.vars.session : a.vars.accessToken}}`) as Scalar;
  secret.comment = session
    ? ` the 'session' cookie of a browser login; or access_token: \${${a.vars.accessToken}}`
    : ` a system access token (dashboard → settings); or session: \${${a.vars.session}}`;
  m.items.push(pair(session ? "session" : "access_token", secret));
  return m;
}

function bindingNode(doc: Document, b: NewBinding): YAMLMap {
  const m = new YAMLMap();
  m.items.push(pair("account", doc.createNode(b.account)));
  if (b.token.unique && plainText(b.token.name) === b.token.name && b.token.name.trim() !== "") {
    m.items.push(pair("token", doc.createNode(literal(b.token.name))));
  } else {
    const byId = new YAMLMap();
    byId.flow = true;
    byId.items.push(pair("id", doc.createNode(b.token.id)));
    byId.comment = ` '${plainText(b.token.name)}' (several tokens have that name)`;
    m.items.push(pair("token", byId));
  }
  if (b.node !== "default") m.items.push(pair("node", doc.createNode(b.node)));
  if (b.model !== undefined) m.items.push(pair("model", doc.createNode(literal(b.model))));
  return m;
}

/** A value neuradock.yaml must take as written: `${` would otherwise read a variable. */
function literal(value: string): string {
  return value.replaceAll("${", "$${");
}

function pair(key: string, value: unknown, o: { before?: string; space?: boolean } = {}): Pair {
  const k = new Scalar(key);
  if (o.before !== undefined) k.commentBefore = o.before;
  if (o.space) k.spaceBefore = true;
  return new Pair(k, value);
}

/**
 * Text from a relay, made safe for a one-line comment: no control characters (a line break
 * would end the comment), nothing shaped like a key, and a bounded length (src/untrusted.ts).
 */
export function plainText(text: string, max = 80): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, " ")
    .replace(/sk-[A-Za-z0-9_-]{8,}/g, "sk-…")
    .slice(0, max);
}
