/**
 * How error messages echo what the client sent: at most 100 characters of it, so that a
 * 100,000-character `model` or path cannot come back as a 100 KB error (nor fill a log line).
 */
export const ECHO_LIMIT = 100;

/** `text` itself when short; else its first `max` characters and how long it was. */
export function clip(text: string, max = ECHO_LIMIT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** A client value JSON-quoted (so its bounds and odd characters show), clipped. */
export function quote(value: unknown, max = ECHO_LIMIT): string {
  return clip(JSON.stringify(value) ?? String(value), max);
}
