#!/usr/bin/env node
// Runs CongoDB (the in-memory MongoDB-wire-protocol server shipped inside the
// npm package @push.rocks/smartmongo) in the foreground until it is killed.
//
// It is started by scripts/test-servers.sh, which installs the package into
// .test-servers/congo/ and passes --port. It can also be run by hand:
//
//   node scripts/congo-server.mjs --port=27017 [--host=127.0.0.1] [--dist=PATH]
//
// --dist (or $CONGO_DIST) points at package/dist_ts/congodb/index.js of the
// unpacked package; by default the copy installed by test-servers.sh is used.
// Data lives in memory only and is gone when the process exits.

import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// Tiny --key=value parser: no dependencies, so this file runs with plain node.
const args = {};
for (const arg of process.argv.slice(2)) {
  const m = /^--([a-z]+)=(.*)$/.exec(arg);
  if (!m) {
    console.error(`congo-server: unsupported argument: ${arg}`);
    process.exit(2);
  }
  args[m[1]] = m[2];
}

const port = Number(args.port ?? process.env.CONGO_PORT ?? 27017);
const host = args.host ?? '127.0.0.1';
const dist =
  args.dist ??
  process.env.CONGO_DIST ??
  path.join(here, '..', '.test-servers', 'congo', 'package', 'dist_ts', 'congodb', 'index.js');

if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`congo-server: invalid port: ${args.port}`);
  process.exit(2);
}

// Import only the congodb sub-module: the package's top-level index also pulls
// in mongodb-memory-server & co., which we deliberately do not install.
const { CongoServer } = await import(pathToFileURL(dist).href);

const server = new CongoServer({ port, host });
await server.start();
// test-servers.sh waits on the TCP port, this line is just for the log.
console.log(`CONGO_READY mongodb://${host}:${port}/ (pid ${process.pid})`);

// Shut down cleanly on the signals test-servers.sh / a terminal sends.
let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    try {
      await server.stop();
    } finally {
      process.exit(0);
    }
  });
}
// The listening socket keeps the event loop (and thus the process) alive.
