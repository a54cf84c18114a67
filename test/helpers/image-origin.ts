/**
 * A tiny image origin on 127.0.0.1 for the classify-by-URL and result-cache tests (Node side: the
 * workers project's globalSetup starts it, test/node/bundle.test.ts too). Every behaviour a URL
 * fetch must survive has a path:
 *
 *   /img/<photo>[?n=x]     200, strong ETag, Cache-Control: public, max-age=300, Content-Length
 *                          (`n` puts a JPEG comment in: new bytes, same pixels)
 *   /plain/<photo>[?n=x]   200, no caching headers, no validator, chunked (no Content-Length)
 *   /lm/<photo>[?n=x]      200, Last-Modified + Content-Length only
 *   /private/<photo>       Cache-Control: private, max-age=60
 *   /nostore/<photo>       Cache-Control: no-store
 *   /expires/<photo>       Expires = Date + 120 s, Age: 20
 *   /redirect/<k>/<path>   302 to /redirect/<k-1>/<path>, then to /<path> (relative Locations)
 *   /away                  302 to a host outside any allow-list
 *   /away-local/<path>     302 to http://localhost:<this port>/<path>: this same server under a
 *                          host name the tests leave out of IMAGE_ORIGINS (so a followed redirect
 *                          would succeed, and shows in /__stats)
 *   /status/<code>         that status, with a secret header and body that must never leak
 *   /empty                 200 with an empty body
 *   /html                  200 text/html
 *   /slow-headers          no answer for 10 s
 *   /slow-body/<photo>     the headers and 100 bytes, then nothing for 10 s
 *   /huge                  Content-Length: 50 MiB (then a trickle)
 *   /endless.jpg           a JPEG that never ends (64 KiB APP segments, chunked, as fast as read)
 *   /bomb.png              a PNG header claiming 60000x60000, then a slow endless trickle
 *   /versioned             a photo chosen by the current version, ETag "v<version>"
 *   /__version/<v>         sets the version (the photo of version v is VERSIONS[v])
 *   /__stats?path=<path>   {requests, bytes, aborted}: what the origin sent for that path
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { withJpegComment } from './jpeg-comment.ts';

/** The photo each version of /versioned serves; versions 1 and 3 serve the same bytes under different ETags. */
export const VERSIONS: Record<number, string> = { 1: 'flower_640x427.jpg', 2: 'chelsea_cat_451x300.png', 3: 'flower_640x427.jpg' };
export const SECRET = 'origin-secret-4f1d';
export const LAST_MODIFIED = 'Tue, 01 Dec 2026 10:00:00 GMT';

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

export interface ImageOrigin {
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

interface Stat {
  requests: number;
  bytes: number;
  aborted: number;
}

export async function startImageOrigin(photosDir: string): Promise<ImageOrigin> {
  const stats = new Map<string, Stat>();
  let version = 1;
  const photo = (name: string, nonce: string | null): Buffer | null => {
    if (!/^[\w.-]+\.(jpg|png|webp)$/.test(name)) return null;
    try {
      const bytes = readFileSync(join(photosDir, name));
      return nonce && name.endsWith('.jpg') ? Buffer.from(withJpegComment(bytes, `nonce ${nonce}`)) : bytes;
    } catch {
      return null;
    }
  };
  const typeOf = (name: string) => TYPES[name.split('.').pop()!] ?? 'application/octet-stream';
  const etagOf = (b: Buffer) => `"${createHash('sha1').update(b).digest('hex')}"`;

  function serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://origin');
    const key = url.pathname + url.search;
    const stat = stats.get(key) ?? { requests: 0, bytes: 0, aborted: 0 };
    stats.set(key, stat);
    if (!url.pathname.startsWith('/__')) stat.requests++;
    const write = res.write.bind(res);
    res.write = ((chunk: Buffer | string, ...rest: unknown[]) => {
      stat.bytes += Buffer.byteLength(chunk);
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    const timers: NodeJS.Timeout[] = [];
    res.on('close', () => {
      timers.forEach(clearTimeout);
      if (!res.writableFinished) stat.aborted++;
    });
    const later = (ms: number, f: () => void) => timers.push(setTimeout(f, ms));
    const send = (status: number, headers: Record<string, string | number>, body: Buffer | string = '') => {
      res.writeHead(status, headers);
      if (body.length) res.write(body);
      res.end();
    };
    const parts = url.pathname.split('/').filter(Boolean);
    const nonce = url.searchParams.get('n');
    const image = (name: string | undefined, headers: (b: Buffer) => Record<string, string | number>, chunked = false) => {
      const b = name ? photo(name, nonce) : null;
      if (!b) return send(404, { 'content-type': 'text/plain' }, 'no such photo');
      res.writeHead(200, { 'content-type': typeOf(name!), ...(chunked ? {} : { 'content-length': b.length }), ...headers(b) });
      res.write(b);
      res.end();
    };

    switch (parts[0]) {
      case 'img':
        return image(parts[1], (b) => ({ etag: etagOf(b), 'cache-control': 'public, max-age=300' }));
      case 'plain':
        return image(parts[1], () => ({}), true);
      case 'lm':
        return image(parts[1], () => ({ 'last-modified': LAST_MODIFIED }));
      case 'private':
        return image(parts[1], (b) => ({ etag: etagOf(b), 'cache-control': 'private, max-age=60' }));
      case 'nostore':
        return image(parts[1], (b) => ({ etag: etagOf(b), 'cache-control': 'no-store' }));
      case 'expires': {
        const now = Date.now();
        return image(parts[1], () => ({ date: new Date(now).toUTCString(), expires: new Date(now + 120_000).toUTCString(), age: 20 }));
      }
      case 'redirect': {
        const k = Number(parts[1]);
        const rest = parts.slice(2).join('/') + url.search;
        return send(302, { location: k > 1 ? `/redirect/${k - 1}/${rest}` : `/${rest}`, 'x-origin-secret': SECRET });
      }
      case 'away':
        return send(302, { location: 'http://not-allowed.test/cat.jpg' });
      case 'away-local':
        return send(302, { location: `http://localhost:${req.socket.localPort}/${parts.slice(1).join('/')}${url.search}` });
      case 'status':
        return send(Number(parts[1]), { 'content-type': 'text/plain', 'x-origin-secret': SECRET, etag: '"secret-etag"' }, `${SECRET} body`);
      case 'empty':
        return send(200, { 'content-type': 'image/jpeg', 'content-length': 0 });
      case 'html':
        return send(200, { 'content-type': 'text/html' }, `<!doctype html><html><body>${'not an image '.repeat(20)}</body></html>`);
      case 'slow-headers':
        return void later(10_000, () => send(200, { 'content-type': 'text/plain' }, 'late'));
      case 'slow-body': {
        const b = photo(parts[1] ?? '', null);
        if (!b) return send(404, {});
        res.writeHead(200, { 'content-type': typeOf(parts[1]), 'content-length': b.length });
        res.write(b.subarray(0, 100));
        return void later(10_000, () => res.end(b.subarray(100)));
      }
      case 'huge': {
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 50 * 1024 * 1024 });
        res.write(Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
        return void later(10_000, () => res.end());
      }
      case 'endless.jpg': {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.write(Buffer.from([0xff, 0xd8]));
        const segment = Buffer.alloc(65535 + 2, 0x41);
        segment.set([0xff, 0xe1, 0xff, 0xff]);
        const pump = () => {
          while (!res.destroyed && res.write(segment));
          if (!res.destroyed) res.once('drain', pump);
        };
        return pump();
      }
      case 'bomb.png': {
        const ihdr = Buffer.alloc(25);
        ihdr.writeUInt32BE(13, 0);
        ihdr.write('IHDR', 4, 'latin1');
        ihdr.writeUInt32BE(60000, 8);
        ihdr.writeUInt32BE(60000, 12);
        ihdr.set([8, 2, 0, 0, 0], 16);
        ihdr.writeUInt32BE(crc32(ihdr.subarray(4, 21)), 21);
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]));
        const drip = () => {
          if (res.destroyed) return;
          res.write(Buffer.alloc(16 * 1024, 0x78));
          later(20, drip);
        };
        return void later(20, drip);
      }
      case 'versioned': {
        const b = photo(VERSIONS[version], null)!;
        return send(200, { 'content-type': typeOf(VERSIONS[version]), 'content-length': b.length, etag: `"v${version}"`, 'cache-control': 'public, max-age=60' }, b);
      }
      case '__version':
        version = Number(parts[1]);
        return send(200, { 'content-type': 'text/plain' }, String(version));
      case '__stats':
        return send(200, { 'content-type': 'application/json' }, JSON.stringify(stats.get(url.searchParams.get('path') ?? '') ?? { requests: 0, bytes: 0, aborted: 0 }));
      default:
        return send(404, { 'content-type': 'text/plain' }, 'not found');
    }
  }

  const server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
