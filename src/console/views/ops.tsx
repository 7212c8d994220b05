/**
 * The operations page: a gateway's upstreams (when it is one), this
 * instance, its session counters and charts, and the fleet as the session
 * table shows it.
 */
import type { SessionStats } from '../../store/index.js';
import type { InstanceInfo, UpstreamHealth } from '../options.js';
import type { Readings } from '../ops/readings.js';
import { BarChart } from './chart.js';
import { Layout, when, type Chrome } from './layout.js';
import { Stat } from './stat.js';
import { Upstreams } from './upstreams.js';

export interface OpsView {
  instance: InstanceInfo;
  draining: boolean;
  now: Readings;
  charts: { created: number[]; rebuilt: number[]; rejected: number[] };
  slots: number;
  windowLabel: string;
  fleet: SessionStats;
  /** Undefined: not running as a gateway. */
  upstreams: UpstreamHealth[] | undefined;
}

function uptime(since: Date, now: number): string {
  const s = Math.max(0, Math.floor((now - since.getTime()) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function OpsPage(props: { chrome: Chrome; view: OpsView }) {
  const { instance, now, fleet, charts, upstreams } = props.view;
  const reasons = Object.entries(now.rejectedByReason).sort((a, b) => b[1] - a[1]);
  return (
    <Layout title="Operations" chrome={props.chrome} section="ops">
      <h1>Operations</h1>
      <p class="sub">
        Instance <b>{instance.instanceId}</b> of deployment <b>{instance.deploymentId}</b> · durable-mcp {upstreams && 'gateway '}
        {instance.version} on {instance.store} · up {uptime(instance.startedAt, now.at)}
        {props.view.draining && <b> · draining</b>}
      </p>
      {upstreams && (
        <>
          <p class="notice gateway">
            This process is a durable gateway: its console shows operations only. Memory pages belong to a server that runs the memory app,
            such as <code>durable-mcp serve</code>. The sessions below are the gateway's front sessions, each holding a session on its upstream.
          </p>
          <Upstreams upstreams={upstreams} />
        </>
      )}
      <h2>This instance since it started</h2>
      <div class="stats">
        <Stat value={now.live} label="live sessions" />
        <Stat value={now.created} label="sessions created" />
        <Stat value={now.rebuilt} label="sessions rebuilt" />
        <Stat value={now.rejected} label="requests rejected" />
        <Stat value={now.expired} label="sessions expired" />
        <Stat value={now.terminated} label="sessions terminated" />
        <Stat value={now.evicted} label="evicted from memory" />
        <Stat value={now.eventsStored} label="SSE events stored" />
      </div>
      <div class="charts">
        <BarChart title="Created" bars={charts.created} slots={props.view.slots} intervalLabel={props.view.windowLabel} />
        <BarChart title="Rebuilt" bars={charts.rebuilt} slots={props.view.slots} intervalLabel={props.view.windowLabel} />
        <BarChart title="Rejected" bars={charts.rejected} slots={props.view.slots} intervalLabel={props.view.windowLabel} tone="bad" />
      </div>
      {reasons.length > 0 && (
        <p>
          Rejected by reason:{' '}
          {reasons.map(([reason, n], i) => (
            <span>
              {i > 0 && ', '}
              <b>{reason}</b> {n}
            </span>
          ))}
        </p>
      )}
      <h2>Every instance on this store</h2>
      <div class="stats">
        <Stat value={fleet.valid} label="valid sessions" />
        <Stat value={fleet.terminated} label="terminated, kept a while" />
        <Stat value={fleet.expired} label="expired, not swept yet" />
      </div>
      <table>
        <thead>
          <tr>
            <th>Deployment</th>
            <th class="num">Sessions created</th>
            <th class="num">Valid sessions it serves</th>
            <th>First session</th>
            <th>Last activity</th>
          </tr>
        </thead>
        <tbody>
          {fleet.deployments.map((d) => (
            <tr>
              <td>
                {d.deploymentId}
                {d.deploymentId === instance.deploymentId && <span class="muted"> (this one)</span>}
              </td>
              <td class="num">{d.created}</td>
              <td class="num">{d.serving}</td>
              <td>{when(d.firstCreatedAt)}</td>
              <td>{when(d.lastActiveAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        Counters and charts{upstreams && ", and what each upstream did,"} are this process's (they restart with it); the fleet table reads the
        session table. For history across instances, scrape /metrics with Prometheus and import ops/grafana-dashboard.json.
      </p>
    </Layout>
  );
}
