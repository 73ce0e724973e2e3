/**
 * The cache of forwarded answers (CoreDNS' `cache 30`): keyed by lowercase name, type and class;
 * an entry lives for the smallest TTL of its records (the SOA minimum for negative answers),
 * capped at maxTtl; at most maxEntries entries, the oldest inserted evicted first. Served records
 * carry the TTL they have left, never more than the entry's remaining life. Pure: time is an input.
 */
export interface CachedAnswer<R> {
  rcode: string;
  answers: R[];
  authorities: R[];
  additionals: R[];
}

interface Entry<R> {
  value: CachedAnswer<R>;
  storedAt: number;
  expiresAt: number;
}

type WithTtl = { ttl?: number; type: string; data?: unknown };

export class AnswerCache<R extends WithTtl> {
  private readonly entries = new Map<string, Entry<R>>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxTtl = 30,
  ) {}

  static key(name: string, type: string, cls: string): string {
    return `${name.toLowerCase().replace(/\.$/, '')}|${type}|${cls}`;
  }

  /** The entry with TTLs lowered by its age, or undefined when absent or expired. */
  get(key: string, nowMs: number): CachedAnswer<R> | undefined {
    const e = this.entries.get(key);
    if (!e || e.expiresAt <= nowMs) {
      if (e) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    const age = Math.floor((nowMs - e.storedAt) / 1000);
    const left = Math.max(0, Math.ceil((e.expiresAt - nowMs) / 1000));
    const dec = (rs: R[]) => rs.map((r) => (r.type === 'OPT' ? r : { ...r, ttl: Math.min(left, Math.max(0, (r.ttl ?? 0) - age)) }));
    return { rcode: e.value.rcode, answers: dec(e.value.answers), authorities: dec(e.value.authorities), additionals: dec(e.value.additionals) };
  }

  /**
   * Stores a NOERROR or NXDOMAIN answer; other rcodes (SERVFAIL, REFUSED) and answers whose TTL
   * works out to 0 are not stored. Returns the TTL used (0: not stored).
   */
  put(key: string, value: CachedAnswer<R>, nowMs: number): number {
    if (value.rcode !== 'NOERROR' && value.rcode !== 'NXDOMAIN') return 0;
    const ttl = Math.min(this.maxTtl, cacheTtl(value));
    if (ttl <= 0) return 0;
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: nowMs, expiresAt: nowMs + ttl * 1000 });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return ttl;
  }

  size(): number {
    return this.entries.size;
  }
}

/** Positive answers: the smallest answer TTL; negative ones: min(SOA TTL, SOA minimum) (RFC 2308). */
function cacheTtl<R extends WithTtl>(v: CachedAnswer<R>): number {
  if (v.answers.length > 0) return Math.min(...v.answers.map((r) => r.ttl ?? 0));
  const soa = v.authorities.find((r) => r.type === 'SOA');
  if (!soa) return 0;
  const min = (soa.data as { minimum?: number } | undefined)?.minimum ?? 0;
  return Math.min(soa.ttl ?? 0, min);
}
