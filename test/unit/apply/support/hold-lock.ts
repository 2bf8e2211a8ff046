// Child process for the lock tests: takes the apply lock with the real System, says so,
// holds it for argv[3] ms ("until-told": until a line arrives on stdin; or until killed),
// then releases it.
import { acquireLock } from "../../../../src/apply/lock.js";
import { createRealSystem } from "../../../../src/system/real-system.js";

const [stateDir, holdMs] = process.argv.slice(2);
const lock = await acquireLock(createRealSystem(), stateDir as string);
process.stdout.write("locked\n");
if (holdMs === "until-told") {
  await new Promise((r) => process.stdin.once("data", r));
  process.stdin.pause();
} else {
  await new Promise((r) => setTimeout(r, Number(holdMs)));
}
await lock.release();
process.stdout.write("released\n");
