import type { GlobalOptions } from "./io.js";

/** Every command that asks relays takes `--timeout SECONDS` (per request). */
export interface NetworkOptions {
  timeout?: string;
}

/** The options commander hands each command (src/commands/program.ts declares them). */
export interface PlanCliOptions extends GlobalOptions, NetworkOptions {
  target?: string[];
  json?: boolean;
  out?: string;
  detailedExitcode?: boolean;
  showSecrets?: boolean;
}

export interface ApplyCliOptions extends GlobalOptions, NetworkOptions {
  planfile?: string;
  replace?: string[];
  target?: string[];
  autoApprove?: boolean;
  json?: boolean;
  showSecrets?: boolean;
}

export interface TokensCliOptions extends GlobalOptions, NetworkOptions {
  account?: string;
  json?: boolean;
  refresh?: boolean;
}

export interface NodesCliOptions extends GlobalOptions {
  provider?: string;
  json?: boolean;
}

export interface InitCliOptions extends GlobalOptions, NetworkOptions {
  provider?: string;
  force?: boolean;
  localSchema?: boolean;
}

export interface CheckinCliOptions extends GlobalOptions, NetworkOptions {
  accounts?: string[];
  json?: boolean;
}
