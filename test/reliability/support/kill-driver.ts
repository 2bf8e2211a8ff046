// Spawned (bundled) by kill.test.ts and SIGKILLed at a random moment of its apply.
import { createRealSystem } from "../../../src/system/real-system.js";
import type { System } from "../../../src/system/types.js";
import { runCycle } from "./cycle.js";

const [configPath, home, stateDir, seed] = process.argv.slice(2);
const real = createRealSystem();
// A marker before each write lets the test aim its kill inside a given write.
const mark = () => process.stdout.write("w\n");
const system: System = {
  ...real,
  writeFileAtomic: (path, data, options) => {
    mark();
    return real.writeFileAtomic(path, data, options);
  },
  removeFile: (path) => {
    mark();
    return real.removeFile(path);
  },
};
await runCycle(
  system,
  {
    configPath: configPath as string,
    home: home as string,
    stateDir: stateDir as string,
    seed: Number(seed),
  },
  // Tells the test that the plan is made: its kill clock starts here.
  () => process.stdout.write("apply\n"),
);
process.stdout.write("done\n");
