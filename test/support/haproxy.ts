/**
 * A real HAProxy in front of durable-mcp instances, for the scale-out tests
 * and bench/scaleout.ts: round robin over fixed 127.0.0.1 backend ports,
 * readiness-checked, no stickiness. HAProxy runs in the foreground (`-db`) as
 * a child process on a free loopback port; its config and admin socket live
 * in a temp directory removed by stop().
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../harness/ports.js';
import { spawnProcess } from '../../harness/process.js';
import { removeTempDir, tempDir } from '../../harness/temp.js';
import { sleep } from '../../harness/timeout.js';
import { findTool } from '../../harness/tools.js';

export interface Backend {
  /** HAProxy server name (also how stats and logs name it). */
  name: string;
  port: number;
}

export interface HaproxyOptions {
  backends: readonly Backend[];
  /**
   * How HAProxy talks to the servers.
   * - 'close' (default): `option http-server-close`, one new server connection per request.
   * - 'keep-alive': `http-reuse safe`, idle server connections are reused (steady-state benchmarks only).
   */
  serverConnections?: 'close' | 'keep-alive';
  /** Health check interval (ms); default 200. */
  checkIntervalMs?: number;
  /** Listen port; default a free one. */
  port?: number;
}

export interface ServerStat {
  /** UP, DOWN, MAINT, 'UP 1/2' (transitional), ... */
  status: string;
  /** Sessions (requests, with http-server-close) sent to this server since HAProxy started. */
  total: number;
  /** Current sessions on this server. */
  current: number;
  /** Connection errors / response errors / retries / redispatches counted by HAProxy. */
  connectionErrors: number;
  responseErrors: number;
  retries: number;
  redispatches: number;
}

/** One access-log line (see LOG_FORMAT). */
export interface ProxyLogLine {
  server: string;
  status: number;
  /** Termination state, e.g. '--' (normal), 'SH' (server aborted before headers), 'SD' (server aborted during data). */
  termination: string;
  /** Retries; a leading '+' means the request was redispatched to another server. */
  retries: string;
  totalMs: number;
  method: string;
}

export interface Haproxy {
  /** The MCP endpoint through the proxy. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly config: string;
  /** Per-server state from the admin socket (`show stat`). */
  stats(): Promise<Map<string, ServerStat>>;
  /** Resolves once HAProxy's own health checks report `name` in `status` (e.g. 'UP', 'DOWN'). */
  waitForStatus(name: string, status: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  /** Access-log lines so far (parsed). */
  logs(): ProxyLogLine[];
  /** Whatever HAProxy printed that was not an access-log line (warnings, alerts). */
  output(): string;
  stop(): Promise<void>;
}

/** Absolute path of the haproxy binary, or null. */
export function findHaproxy(): string | null {
  return findTool('haproxy') ?? null;
}

const MISSING =
  'haproxy is not installed (Debian package haproxy; `node scripts/ensure-tools.mjs haproxy` installs it when run as root)';

/** Access-log format: space separated, so it parses without a regex per field. */
const LOG_FORMAT = 'ACCESS %s %ST %tsc %rc %Ta %HM';

export function haproxyConfig(options: HaproxyOptions & { port: number; socket: string }): string {
  const inter = options.checkIntervalMs ?? 200;
  const serverSide =
    options.serverConnections === 'keep-alive'
      ? [
          '  # Steady state only: idle server connections are reused across clients.',
          '  http-reuse safe',
        ]
      : [
          // Why not keep-alive to the servers during deploys: a draining durable-mcp closes its idle keep-alive
          // connections at SIGTERM, and HAProxy may pick such a connection for the next request in the very
          // moment the server closes it. With a fresh connection per request the only failure a draining
          // server can cause is a refused (or reset-before-accept) connection, which `retry-on conn-failure
          // empty-response` plus `option redispatch 1` send to another server, and the request was certainly
          // not processed. `http-reuse never` alone would still keep one server connection per client
          // connection alive, with the same race. The cost is a loopback TCP handshake per request.
          '  option http-server-close',
        ];
  return [
    'global',
    '  maxconn 4096',
    `  stats socket ${options.socket} mode 600 level admin`,
    '  log stdout format raw local0',
    '',
    'defaults',
    '  mode http',
    '  log global',
    `  log-format "${LOG_FORMAT}"`,
    '  timeout connect 2s',
    '  timeout client 10m',
    // Standalone GET SSE streams can be idle for a long time: never cut them at the proxy.
    '  timeout server 10m',
    '  timeout tunnel 1h',
    '  timeout http-keep-alive 60s',
    '  timeout http-request 10s',
    '  timeout queue 10s',
    // Without it a check may take no longer than `inter` (200 ms): on a busy 2-core machine a live, ready
    // instance then misses a check, and with `fall 1` it is marked DOWN (all three at once, in practice).
    // A stopping instance still goes DOWN at the next check: its refused connection fails at once.
    '  timeout check 2s',
    '',
    'frontend mcp_in',
    `  bind 127.0.0.1:${options.port}`,
    '  default_backend durable_mcp',
    '',
    'backend durable_mcp',
    '  balance roundrobin',
    // No cookies, no stick tables: any instance serves any session.
    '  option httpchk',
    '  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host 127.0.0.1',
    '  http-check expect status 200',
    '  retries 3',
    // Redispatch on every retry (not only the last), so a refused connection goes to another server at once.
    '  option redispatch 1',
    // Retry only what cannot have been processed: a refused connection (conn-failure), and a connection the
    // server closed without answering anything (empty-response: a draining Node process that closes its
    // listening socket resets connections still in the accept backlog). Caveat: a server that crashes
    // (SIGKILL) after reading a request but before answering also produces an empty response, and HAProxy then
    // sends the request again elsewhere: at-least-once, acceptable for idempotent tools only.
    '  retry-on conn-failure empty-response',
    ...serverSide,
    `  default-server inter ${inter}ms fastinter ${inter}ms downinter ${inter}ms fall 1 rise 1`,
    ...options.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`),
    '',
  ].join('\n');
}

/** Sends one command to the admin socket and returns the whole answer. */
function adminCommand(socket: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let answer = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`haproxy admin socket: no answer to '${command}' within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${command}\n`));
    conn.on('data', (chunk: string) => (answer += chunk));
    conn.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    conn.on('end', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

export function parseStats(csv: string, backend = 'durable_mcp'): Map<string, ServerStat> {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').replace(/^# /, '').split(',');
  const col = (name: string): number => header.indexOf(name);
  const out = new Map<string, ServerStat>();
  for (const line of lines) {
    const f = line.split(',');
    if (f[col('pxname')] !== backend) continue;
    const name = f[col('svname')] ?? '';
    if (name === 'FRONTEND' || name === 'BACKEND') continue;
    const num = (c: string): number => Number(f[col(c)] || 0);
    out.set(name, {
      status: f[col('status')] ?? '',
      total: num('stot'),
      current: num('scur'),
      connectionErrors: num('econ'),
      responseErrors: num('eresp'),
      retries: num('wretr'),
      redispatches: num('wredis'),
    });
  }
  return out;
}

/** One access-log line, parsed; undefined for anything else HAProxy printed. */
function accessLine(text: string): ProxyLogLine | undefined {
  const at = text.indexOf('ACCESS ');
  if (at < 0) return undefined;
  const [server = '', status = '0', termination = '', retries = '', totalMs = '0', method = ''] = text.slice(at + 7).split(' ');
  return { server, status: Number(status), termination, retries, totalMs: Number(totalMs), method };
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const bin = findHaproxy();
  // Never a skip: a suite run by hand must fail as CI does when the rolling-deploy tests cannot run.
  if (!bin) throw new Error(MISSING);
  const dir = tempDir('durable-mcp-haproxy');
  const port = options.port ?? (await freePort());
  const socket = join(dir, 'admin.sock');
  const config = haproxyConfig({ ...options, port, socket });
  const configPath = join(dir, 'haproxy.cfg');
  writeFileSync(configPath, config);

  const stats = async () => parseStats(await adminCommand(socket, 'show stat'));
  // Ready once the admin socket answers (the frontend is bound by then).
  const proc = await spawnProcess({
    name: `haproxy (config:\n${config})`,
    command: bin,
    args: ['-f', configPath, '-db'],
    ready: { probe: async () => (await stats(), true), everyMs: 50 },
    timeoutMs: 10_000,
  });

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    pid: proc.pid,
    config,
    stats,
    async waitForStatus(name, status, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      let last = '?';
      while (Date.now() < until) {
        last = (await stats()).get(name)?.status ?? 'absent';
        // 'UP' exactly: 'UP 1/2' and 'DOWN 1/2' are transitions (with rise/fall 1 they do not occur).
        if (last === status) return;
        await sleep(50);
      }
      throw new Error(`haproxy: server ${name} still ${last} after ${timeoutMs} ms (wanted ${status})`);
    },
    logs: () => proc.logs.flatMap((l) => accessLine(String(l.msg)) ?? []),
    output: () =>
      (proc.logs.filter((l) => !accessLine(String(l.msg))).map((l) => `${String(l.msg)}\n`).join('') + proc.stderr()).slice(-64_000),
    stop() {
      stopped ??= (async () => {
        await proc.stop(3000);
        removeTempDir(dir);
      })();
      return stopped;
    },
  };
}
