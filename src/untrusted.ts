/**
 * Text neuradock did not write (token names, relay messages and error bodies, anything echoed
 * from a server) is untrusted (docs/contract.md "Trust rules"). Before it reaches a terminal it goes
 * through this one module: control characters (ANSI escapes that clear the screen or fake
 * table rows, bidi overrides) are stripped, anything shaped like an API key or equal to a
 * configured secret is scrubbed, and table cells are bounded.
 */

/** Secrets neuradock holds (every `Secret` registers itself); scrubbed from untrusted text. */
const knownSecrets = new Set<string>();
/** Shorter values would scrub ordinary words: they are only scrubbed where named explicitly. */
const MIN_REGISTERED_SECRET = 8;

export function registerSecret(value: string): void {
  if (value.length >= MIN_REGISTERED_SECRET) knownSecrets.add(value);
}

export const SCRUBBED = "(sensitive)";

// ESC [ … final byte (CSI), ESC ] … BEL/ST (OSC), ESC P/X/^/_ … ST, and any other ESC + char.
const ESCAPE_SEQUENCE =
  /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b.?|\x9b[0-?]*[ -/]*[@-~]?/g;
// C0 (but tab and line breaks, handled apart), DEL, C1, bidi overrides and isolates, line/paragraph separators.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAKS = /\r\n|[\r\n\t\u2028\u2029]/g;
/** `sk-` followed by enough key characters to be a key (a hint like `sk-abcd…wxyz` is not). */
const KEY_SHAPED = /sk-[A-Za-z0-9_-]{8,}/g;

/** Control characters and escape sequences removed; line breaks and tabs become spaces. */
export function stripControl(text: string, opts: { keepNewlines?: boolean } = {}): string {
  const noEscapes = text.replace(ESCAPE_SEQUENCE, "");
  const flat = opts.keepNewlines
    ? noEscapes.replace(/\r\n?/g, "\n").replace(/[\t\u2028\u2029]/g, " ")
    : noEscapes.replace(LINE_BREAKS, " ");
  return flat.replace(CONTROL, "");
}

/** Key-shaped strings, every registered secret and `extra` secrets replaced by `(sensitive)`. */
export function scrubSecrets(text: string, extra: Iterable<string> = []): string {
  let out = text;
  // Longest first, so a secret containing another is scrubbed whole.
  const secrets = [...new Set([...knownSecrets, ...extra])]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(SCRUBBED);
  return out.replace(KEY_SHAPED, SCRUBBED);
}

/** At most `max` characters (code points), with `…` when cut. */
export function bound(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

export interface SafeTextOptions {
  /** Secrets to scrub beside the registered ones (e.g. an account's short cookie). */
  secrets?: Iterable<string>;
  /** Cut to this many characters (table cells, quoted server messages). */
  max?: number;
  keepNewlines?: boolean;
}

/** Untrusted text made safe to print: stripped, scrubbed (before cutting: no secret is split), bounded. */
export function safeText(text: string, opts: SafeTextOptions = {}): string {
  const clean = scrubSecrets(stripControl(text, opts), opts.secrets);
  return opts.max === undefined ? clean : bound(clean, opts.max);
}

/** Widest a relay-supplied name may be in a table or a message. */
export const MAX_NAME_WIDTH = 40;

/** A relay-supplied name (token, group, model) for a table cell or a message. */
export function relayName(name: string, max = MAX_NAME_WIDTH): string {
  return safeText(name, { max });
}
