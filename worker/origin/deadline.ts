/**
 * One deadline for everything a URL fetch does (connect, each redirect, every body read), so a
 * slow origin cannot hold a request longer than FETCH_TIMEOUT_MS in all: when it passes, the
 * signal aborts the pending fetch and `race` rejects the pending body read.
 */
import { timedOut } from './errors.ts';

export class Deadline {
  #expired = false;
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #expiry: Promise<never>;

  constructor(readonly ms: number) {
    let fire!: (e: Error) => void;
    this.#expiry = new Promise<never>((_, reject) => (fire = reject));
    this.#expiry.catch(() => {}); // rejected when nobody races it: not an unhandled rejection
    this.#timer = setTimeout(() => {
      this.#expired = true;
      fire(this.error());
      this.#controller.abort(this.error());
    }, ms);
  }

  get expired(): boolean {
    return this.#expired;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  error(): Error {
    return timedOut(this.ms);
  }

  /** `p`, or the timeout error if the deadline passes first. */
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.#expiry]);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}
