/**
 * Typed errors: thrown anywhere, caught in exactly one place (`main` in src/main.ts, printed
 * by src/commands/report-error.ts), which alone maps them to an exit code. Messages are one paragraph
 * and never carry a secret.
 */
export class NeuradockError extends Error {
  readonly exitCode: number = 1;
  /** Extra lines printed after the message (e.g. every config diagnostic). */
  readonly details: readonly string[];

  constructor(message: string, details: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** A position-carrying problem in neuradock.yaml (or another user file). */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

/** neuradock.yaml is missing, unreadable, malformed, or breaks a rule. */
export class ConfigError extends NeuradockError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[], summary?: string) {
    const lines = diagnostics.map(formatDiagnostic);
    super(
      summary ??
        (lines.length === 1
          ? (lines[0] as string)
          : `${diagnostics.length} problems in ${diagnostics[0]?.file ?? "the config"}:`),
      lines.length === 1 && !summary ? [] : lines,
    );
    this.diagnostics = diagnostics;
  }
}

/** A relay account could not be read (auth, network, WAF, bad answer, token lookup). */
export class ProviderError extends NeuradockError {
  readonly account: string;

  constructor(account: string, message: string, details: readonly string[] = []) {
    super(`account '${account}': ${message}`, details);
    this.account = account;
  }
}

/** A tool's file (settings.json, auth.json, config.toml) cannot be read, parsed or written. */
export class TargetError extends NeuradockError {
  readonly file: string;
  /** Where in the file, when the problem has a place (a parse error). */
  line?: number;
  col?: number;

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

/** A saved plan no longer matches the files it was made from. */
export class StalePlanError extends NeuradockError {}

/** Another apply holds the lock. */
export class LockError extends NeuradockError {}

/** The user declined, or confirmation was impossible (no TTY and no -y). */
export class AbortedError extends NeuradockError {}

/** Wrong command-line usage. */
export class UsageError extends NeuradockError {}
