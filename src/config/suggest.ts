import type { DocPath } from "./yaml-source.js";

/** Edit distance (insert, delete, substitute), case-insensitive: "personl" → "personal" is 1. */
export function levenshtein(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (s === t) return 0;
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
    }
    prev = cur;
  }
  return prev[t.length] as number;
}

/** The closest candidate, if it is close enough to be a plausible typo (about a third of the word). */
export function suggestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = levenshtein(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  // "claude" for "claude-code": a clear prefix is a better hint than any edit distance.
  if (name.length >= 3) {
    const prefixed = [...candidates].find((c) => c.toLowerCase().startsWith(name.toLowerCase()));
    if (prefixed !== undefined && bestDistance > 1) return prefixed;
  }
  const limit = Math.max(1, Math.floor(Math.max(name.length, best.length) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** ` — did you mean 'x'?`, or "" when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const s = suggestName(name, candidates);
  return s === undefined ? "" : ` — did you mean '${s}'?`;
}

/** `accounts.personal.session`; how paths appear in messages. */
export function labelOf(path: DocPath): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/** A key or value echoed in a message; a long one might be a pasted secret, so only its length shows. */
export function safeName(name: string): string {
  const oneLine = name.replace(/[\r\n\t]/g, " ");
  return oneLine.length > 40 ? `(a ${oneLine.length}-character name)` : oneLine;
}
