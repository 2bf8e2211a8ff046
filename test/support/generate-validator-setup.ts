import { writeValidator } from "../../scripts/generate-validator.js";

/** vitest globalSetup: the generated validator is not in git; make it before any test imports it. */
export default function setup(): void {
  writeValidator();
}
