/** A cookie-keeping HTTP client for the console's security tests: what a browser sends, minus the browser. */

export interface Reply {
  status: number;
  location: string | null;
  setCookie: string | null;
  body: string;
}

export class ConsoleClient {
  cookie: string | undefined;
  /** The CSRF token of the last page that had a form. */
  csrf: string | undefined;

  constructor(readonly base: string) {}

  async request(path: string, init: { method?: string; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<Reply> {
    const res = await fetch(`${this.base}${path}`, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { ...(this.cookie && { cookie: this.cookie }), ...init.headers },
      ...(init.body !== undefined && { body: init.body }),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const body = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, location: res.headers.get('location'), setCookie, body };
  }

  get(path: string): Promise<Reply> {
    return this.request(path);
  }

  /** A form POST carrying this client's CSRF token unless `fields` sets `_csrf` itself (or to undefined). */
  post(path: string, fields: Record<string, string | undefined>, headers: Record<string, string> = {}): Promise<Reply> {
    const all: Record<string, string | undefined> = { _csrf: this.csrf, ...fields };
    const form = new URLSearchParams(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
    return this.request(path, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }

  async signIn(key: string): Promise<Reply> {
    await this.get('/console/login');
    return this.post('/console/login', { key, next: '/console/memory' });
  }
}
