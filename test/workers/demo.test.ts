/** GET /: the self-contained demo page. */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE } from './support.ts';

describe('GET / (demo page)', () => {
  it('is self-contained HTML that calls the API', async () => {
    const res = await SELF.fetch(`${BASE}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    // no external assets: nothing loaded from another origin
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain("fetch('/v1/classify?'");
    expect(html).toContain("fetch('/v1/models'");
    expect(html).toContain('type="file"');
    expect(html).toContain("addEventListener('drop'");
    expect(html).toContain("top_k: '5'");
  });
});
