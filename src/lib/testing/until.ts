/**
 * Polls `fn` until it returns a truthy value (resolved with it) or `timeoutMs` passes (rejected with
 * `timed out waiting for <what>` and the last error `fn` threw). For tests of asynchronous loops.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
