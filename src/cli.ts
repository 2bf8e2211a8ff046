import module from "node:module";

// Node >= 22.1 keeps V8's compiled code of every module loaded after this call in a cache
// folder (NODE_COMPILE_CACHE, else <tmpdir>/node-compile-cache): later runs skip compiling the
// command chunks, commander, yaml and undici. Node 20 has no such function; nothing changes
// there. NODE_DISABLE_COMPILE_CACHE=1 turns it off. main.js is imported only afterwards, so
// that it and everything it loads are cached.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { main } = await import("./main.js");

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `error: internal error: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
