/** Sign-in with an API key. */
import { Csrf, Layout, type Chrome } from './layout.js';

export function LoginPage(props: { chrome: Chrome; next: string; error?: string }) {
  return (
    <Layout title="Sign in" chrome={props.chrome}>
      <div class="card login">
        <h1>Sign in</h1>
        <p class="sub">
          {props.chrome.memory
            ? 'Use the API key your MCP client sends as its bearer token. You will see your own memory only.'
            : `This ${props.chrome.gateway ? 'gateway' : 'server'}'s console shows operations only: sign in with the API key of a principal listed in --operators.`}
        </p>
        {props.error && <div class="error">{props.error}</div>}
        <form method="post" action="/console/login">
          <Csrf token={props.chrome.csrf} />
          <input type="hidden" name="next" value={props.next} />
          <input type="text" name="username" autocomplete="username" value="durable-mcp" hidden aria-hidden="true" />
          <label for="key">API key</label>
          <input type="password" id="key" name="key" autocomplete="current-password" required maxlength={4096} size={40} />
          <p>
            <button type="submit">Sign in</button>
          </p>
        </form>
      </div>
    </Layout>
  );
}
