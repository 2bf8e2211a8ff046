import { inspect } from "node:util";
import { registerSecret } from "./untrusted.js";

/**
 * A secret value (session cookie, access token, API key). It renders redacted everywhere —
 * String(), template literals, JSON.stringify, util.inspect, console.log — and only
 * `reveal()` gives the clear text, so a secret cannot reach output or a log by accident.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    // Untrusted text (a relay's error message) that echoes it is scrubbed before printing.
    registerSecret(value);
  }

  reveal(): string {
    return this.#value;
  }

  /** `sk-…abcd`: enough to recognise a key, never enough to use it. */
  hint(): string {
    return hintOf(this.#value);
  }

  redacted(): string {
    return redactValue(this.#value);
  }

  equals(other: Secret): boolean {
    return this.#value === other.#value;
  }

  toString(): string {
    return this.redacted();
  }

  toJSON(): string {
    return this.redacted();
  }

  [inspect.custom](): string {
    return `Secret${this.redacted()}`;
  }
}

/** The redaction hint for a clear-text secret: its known prefix and last four characters. */
export function hintOf(value: string): string {
  const prefix = value.startsWith("sk-") ? "sk-" : "";
  if (value.length - prefix.length < 12) return `${prefix}…`;
  return `${prefix}…${value.slice(-4)}`;
}

export function redactValue(value: string): string {
  return `(sensitive: ${hintOf(value)})`;
}
