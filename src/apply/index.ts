export type { AppliedFile, ApplyOptions, ApplyResult, FileOutcome } from "./apply-plan.js";
export { applyPlan, checkPlanBasis, nextLedgerText, orderForWrite } from "./apply-plan.js";
export { backupFile, listBackups } from "./backup.js";
export type { ApplyLock, LockOptions } from "./lock.js";
export { acquireLock, LOCK_FILE } from "./lock.js";
