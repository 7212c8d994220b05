/** The operations page: this instance, its session counters and charts, and the fleet as the session table shows it. */
import type { SessionStats } from '../../store/session-stats.js';
import type { InstanceInfo, UpstreamHealth } from '../options.js';
import type { Readings } from '../ops/readings.js';
import { BarChart } from './chart.js';
import { Layout, when, type Chrome } from './layout.js';

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

function Stat(props: { value: number | string; label: string }) {
  return (
    <div class="stat">
      <b>{props.value}</b>
      <span>{props.label}</span>
    </div>
  );
}

function uptime(since: Date, now: number): string {
  const s = Math.max(0, Math.floor((now - since.getTime()) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function OpsPage(props: { chrome: Chrome; view: OpsView }) {
  const { instance, now, fleet, charts } = props.view;
  const reasons = Object.entries(now.rejectedByReason).sort((a, b) => b[1] - a[1]);
  return (
    <Layout title="Operations" chrome={props.chrome} section="ops">
      <h1>Operations</h1>
      <p class="sub">
        Instance <b>{instance.instanceId}</b> of deployment <b>{instance.deploymentId}</b> · durable-mcp {instance.version} on {instance.store} · up{' '}
        {uptime(instance.startedAt, now.at)}
        {props.view.draining && <b> · draining</b>}
      </p>
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
      {/* Gateway upstreams: filled in once the gateway reports them through OpsSource.upstreams. */}
      {props.view.upstreams && (
        <>
          <h2>Gateway upstreams</h2>
          <table>
            <thead>
              <tr>
                <th>Upstream</th>
                <th>URL</th>
                <th>State</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {props.view.upstreams.map((u) => (
                <tr>
                  <td>{u.name}</td>
                  <td>{u.url}</td>
                  <td>{u.state}</td>
                  <td>{u.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <p class="muted">
        Counters and charts are this process's (they restart with it); the fleet table reads the session table. For history across
        instances, scrape /metrics with Prometheus and import ops/grafana-dashboard.json.
      </p>
    </Layout>
  );
}
