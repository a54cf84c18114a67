/**
 * IMAGE_ORIGINS: the hosts `?url=` may fetch from, as a comma-separated list of `host` or
 * `host:port` entries (`images.example.com, cdn.example.net:8443, 127.0.0.1:8000`).
 *
 * - A `host` entry allows that host on the default port of its scheme only (443 for https, 80 for
 *   http); any other port must be listed as `host:port`. Hosts match exactly (no wildcards, no
 *   subdomains), compared after the URL parser's normalisation (lower case, IDNA, IPv4 forms).
 * - Empty or unset: the feature is off, and every `url` request answers 403 `url_fetch_disabled`.
 * - Only http: and https: URLs without credentials (`user:pass@`) are fetched.
 * A malformed entry is a configuration error (500 `misconfigured`), never a silently ignored one.
 */
import { ConfigError } from '../model/registry.ts';

export interface AllowList {
  /** `host` (default port of the URL's scheme) and `host:port` entries, normalised. */
  readonly entries: ReadonlySet<string>;
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The parsed IMAGE_ORIGINS, or null when it is empty (the feature is off). */
export function parseAllowList(raw: string | undefined): AllowList | null {
  const items = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) return null;
  const entries = new Set<string>();
  for (const item of items) {
    // Each entry is parsed as a URL's authority, so it is normalised the way request URLs are.
    let host: string | null = null;
    const port = /\]?:(\d{1,5})$/.exec(item)?.[1];
    if (!/[/?#@\s\\]/.test(item)) {
      try {
        host = new URL(`http://${item}`).hostname || null;
      } catch {
        host = null;
      }
    }
    if (!host || (port !== undefined && Number(port) > 65535)) {
      throw new ConfigError(
        `IMAGE_ORIGINS has a malformed entry ${JSON.stringify(item.slice(0, 100))}: each entry is a host or host:port, without scheme or path (e.g. "images.example.com, 127.0.0.1:8000").`,
      );
    }
    entries.add(port === undefined ? host : `${host}:${Number(port)}`);
  }
  return { entries };
}

/**
 * Whether the allow-list admits this (already parsed, http or https) URL: `host:port` entries
 * match that port; `host` entries match the default port of the URL's scheme (the URL parser
 * has already dropped an explicit default port, so `https://h:443/` is `https://h/`).
 */
export function allows(list: AllowList, url: URL): boolean {
  const defaultPort = DEFAULT_PORT[url.protocol];
  if (!defaultPort) return false;
  const port = url.port || defaultPort;
  return list.entries.has(`${url.hostname}:${port}`) || (port === defaultPort && list.entries.has(url.hostname));
}
