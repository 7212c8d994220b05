/**
 * The pool's connections to an upstream: a connection that sat idle is
 * closed by the pool before the upstream gives it up. The upstream here is a
 * real HTTP server that, like uvicorn, closes idle connections without
 * announcing when (no `Keep-Alive: timeout=N`); it drops a request that
 * arrives on a connection it considers idle, which is what the race with a
 * server's own idle close looks like from the gateway: a write that never ran
 * but whose connection broke mid-call.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readText } from '../../../src/gateway/upstream/wire/body.js';
import { UpstreamPool } from '../../../src/gateway/upstream/wire/pool.js';

const SERVER_IDLE_MS = 400;

describe('upstream connection pool', () => {
  let server: Server;
  let url: URL;
  const connections = new Set<Socket>();
  before(async () => {
    const answeredAt = new WeakMap<Socket, number>();
    server = createServer((req, res) => {
      const last = answeredAt.get(req.socket);
      // This connection was idle past our timeout: it is being closed, and what arrives on it is dropped unread.
      if (last !== undefined && Date.now() - last > SERVER_IDLE_MS) return void req.socket.destroy();
      req.resume();
      res.on('finish', () => answeredAt.set(req.socket, Date.now()));
      res.end('ok');
    });
    server.keepAliveTimeout = 0; // no idle close of Node's own, and no Keep-Alive hint: as uvicorn
    server.on('connection', (socket: Socket) => connections.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = async (pool: UpstreamPool) => readText(await pool.send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(5_000) }));

  it('closes a connection idle longer than idleSocketMs, so the next request goes out on a fresh one', async () => {
    const pool = new UpstreamPool({ idleSocketMs: SERVER_IDLE_MS / 2 });
    try {
      const before = connections.size;
      assert.equal(await post(pool), 'ok');
      await sleep(SERVER_IDLE_MS * 1.5);
      assert.equal(await post(pool), 'ok', 'not sent on the connection the upstream gave up');
      assert.equal(connections.size - before, 2, 'a new connection for the second request');
    } finally {
      pool.destroy();
    }
  });

  it('without it the request is sent on the given-up connection and breaks (what the default prevents)', async () => {
    const pool = new UpstreamPool({ idleSocketMs: 0 });
    try {
      assert.equal(await post(pool), 'ok');
      await sleep(SERVER_IDLE_MS * 1.5);
      await assert.rejects(post(pool), (error: NodeJS.ErrnoException) => error.code === 'ECONNRESET');
    } finally {
      pool.destroy();
    }
  });
});
