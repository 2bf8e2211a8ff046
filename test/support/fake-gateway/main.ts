import { DEMO_ACCOUNTS, DEMO_USERS } from "./dataset.js";
import { startFakeGateway } from "./server.js";

/** `npm run fake-gateway [-- --port N] [--mask] [--plain] [--latency MS]`: the demo world, live (flags: README, "The fake relay"). */
async function runFakeGateway(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const gateway = await startFakeGateway({
    port: Number(arg("--port") ?? 0),
    users: structuredClone(DEMO_USERS),
    maskKeys: argv.includes("--mask"),
    envelope: argv.includes("--plain") ? "plain" : "paged",
    pageBase: argv.includes("--plain") ? 0 : 1,
    latencyMs: Number(arg("--latency") ?? 0),
  });
  const out = process.stdout;
  out.write(`fake new-api gateway listening on ${gateway.url}\n`);
  out.write("demo accounts (secrets are read from these environment variables):\n");
  for (const a of DEMO_ACCOUNTS) {
    out.write(`  ${a.account}: user_id ${a.userId}, ${a.auth} from $${a.envVar}\n`);
  }
  out.write("export them with:\n");
  for (const a of DEMO_ACCOUNTS) out.write(`  export ${a.envVar}='${a.secret}'\n`);
  const stop = () => {
    void gateway.close();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

await runFakeGateway(process.argv.slice(2));
