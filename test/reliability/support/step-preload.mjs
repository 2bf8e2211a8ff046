// Preloaded with `node --import` into the built CLI: counts the steps of a run, count-based,
// never by time. A step is a relay request leaving, its answer arriving, and the commit
// (rename) of each atomic file write, before and after. NEURADOCK_TEST_KILL_AT=N: SIGKILL
// at step N. NEURADOCK_TEST_STEPS=FILE: append each step's name to FILE (calibration).
import diagnostics from "node:diagnostics_channel";
import fs, { appendFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const killAt = Number(process.env.NEURADOCK_TEST_KILL_AT ?? 0);
const log = process.env.NEURADOCK_TEST_STEPS;
let count = 0;

function step(name) {
  count++;
  if (log) appendFileSync(log, `${name}\n`);
  if (killAt > 0 && count === killAt) process.kill(process.pid, "SIGKILL");
}

const what = (request) =>
  `${request.method} ${String(request.path).replace(/\?.*$/, "").replace(/\/\d+/g, "/:id")}`;
diagnostics.subscribe("undici:request:create", ({ request }) => step(`send ${what(request)}`));
diagnostics.subscribe("undici:request:headers", ({ request }) => step(`answer ${what(request)}`));

const p = fs.promises;
const rename = p.rename;
p.rename = async (from, to) => {
  const name = String(to)
    .split("/")
    .pop()
    .replace(/\.[0-9a-f]{8}\..*\.bak$/, ".bak");
  step(`commit ${name}`);
  await rename(from, to);
  step(`committed ${name}`);
};
syncBuiltinESMExports();
