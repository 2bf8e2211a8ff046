// Pre-installs the pinned claude and codex CLIs for `npm run test:compat` (the suite's
// globalSetup does the same, so this is only for warming the cache, e.g. in a CI image).
import { COMPAT_CLIENTS, clientPrefix, installCompatClients } from "../test/compat/clients.js";

const result = await installCompatClients((msg) => console.log(msg));
const pins = Object.values(COMPAT_CLIENTS).map((c) => `${c.pkg}@${c.version}`);
console.log(
  `${result.installed ? "installed" : "already installed"}: ${pins.join(", ")} in ${clientPrefix()}`,
);
