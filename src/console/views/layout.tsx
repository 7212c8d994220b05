/** The page shell: top bar (sections, who is signed in, sign out) around a page's content. */
import type { Child } from 'hono/jsx';
import type { Viewer } from '../env.js';

export interface Chrome {
  viewer: Viewer | undefined;
  csrf: string;
  /** Whether the server has API keys: only then is there anyone to sign out. */
  signIn: boolean;
  /** Whether this server runs the memory app. */
  memory: boolean;
  /** Whether this process is a gateway (operations pages only). */
  gateway: boolean;
}

export function Layout(props: { title: string; chrome: Chrome; section?: 'memory' | 'ops'; children?: Child }) {
  const { viewer, csrf, signIn, memory, gateway } = props.chrome;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · durable-mcp console`}</title>
        <link rel="stylesheet" href="/console/static/console.css" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/console">
            durable-mcp{gateway && ' gateway'}
          </a>
          {viewer && memory && (
            <a class={props.section === 'memory' ? 'on' : ''} href="/console/memory">
              Memory
            </a>
          )}
          {viewer?.operator && (
            <a class={props.section === 'ops' ? 'on' : ''} href="/console/ops">
              Operations
            </a>
          )}
          <div class="who">
            {viewer && <span>{viewer.principal}</span>}
            {viewer && signIn && (
              <form method="post" action="/console/logout">
                <input type="hidden" name="_csrf" value={csrf} />
                <button type="submit">Sign out</button>
              </form>
            )}
          </div>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

export function Csrf(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

export function ErrorBody(props: { status: number; title: string; message: string }) {
  return (
    <div class="card">
      <h1>{props.title}</h1>
      <p class="sub">HTTP {props.status}</p>
      <p>{props.message}</p>
      <p>
        <a href="/console">Back to the console</a>
      </p>
    </div>
  );
}

/** Dates as people read them, in UTC so every viewer sees the same text. */
export function when(iso: string | Date | null | undefined): string {
  if (!iso) return '';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
