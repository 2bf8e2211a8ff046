import type { GlobalOptions } from "./io.js";

/** The options commander hands each command (src/commands/program.ts declares them). */
export interface PlanCliOptions extends GlobalOptions {
  target?: string[];
  json?: boolean;
  out?: string;
  detailedExitcode?: boolean;
  showSecrets?: boolean;
}

export interface ApplyCliOptions extends GlobalOptions {
  planfile?: string;
  replace?: string[];
  target?: string[];
  autoApprove?: boolean;
  json?: boolean;
  showSecrets?: boolean;
}

export interface TokensCliOptions extends GlobalOptions {
  account?: string;
  json?: boolean;
  refresh?: boolean;
}

export interface NodesCliOptions extends GlobalOptions {
  provider?: string;
  json?: boolean;
}

export interface InitCliOptions extends GlobalOptions {
  provider?: string;
  force?: boolean;
  localSchema?: boolean;
}
