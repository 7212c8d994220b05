/**
 * Upstream credentials never reach clients, logs or metrics. They are in the
 * configured header values and in the URL (user info, query string); any
 * text that may echo them (an upstream's error body, a connection error
 * naming the URL) goes through the route's scrubber before it leaves.
 */
export type Scrub = (text: string) => string;

const MIN_SECRET_LENGTH = 4; // shorter values would redact ordinary words; such a "secret" protects nothing anyway

export function secretScrubber(url: URL, headers: Record<string, string>): Scrub {
  const secrets = new Set<string>();
  for (const value of Object.values(headers)) {
    secrets.add(value);
    // "Bearer abc" is often echoed as just "abc".
    const token = /^\S+\s+(\S+)$/.exec(value)?.[1];
    if (token) secrets.add(token);
  }
  for (const part of [url.username, url.password, url.search.slice(1)]) if (part) secrets.add(decodeURIComponent(part));
  if (url.search) secrets.add(url.search.slice(1));
  const list = [...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    return out;
  };
}

/** The upstream's address as it may be shown: no user info, no query string. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
