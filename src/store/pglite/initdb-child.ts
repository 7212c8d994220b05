/**
 * Creates a new PGlite data directory and exits: run as its own short-lived
 * process by openPgliteDatabase. PGlite's initdb runs a second WASM instance
 * next to the main one and WebAssembly memory never shrinks, so a process that
 * creates a database keeps ~700 MiB for the rest of its life; the server
 * opens the finished directory instead, at the cost of an existing one.
 *
 *   node initdb-child.js <dir>
 */
import { PGlite } from '@electric-sql/pglite';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: initdb-child <dir>\n');
  process.exit(2);
}
const pg = await PGlite.create(dir);
await pg.close();
