/**
 * nftables scripts for the NetworkPolicy ruleset (compile.ts): the incremental transaction from
 * one ruleset to the next, the full (re)build over whatever an earlier run left, and the removal
 * of one agent's objects. Pure text generation; the applier feeds it to `nft -f -` (one atomic
 * transaction: the kernel never sees half of it). nftables 1.0.6 syntax, nothing newer.
 *
 * Incremental: only objects whose content changed appear in the script — a set is flushed and
 * refilled, a chain flushed and refilled, a verdict map changed element by element — so a change
 * of one pod's labels or one policy touches the few objects that depend on it.
 *
 * Order inside a transaction (references must exist when a rule is added and be gone when an
 * object is deleted): declare new sets, maps, chains → fill sets and chains → map elements
 * (deletions, then additions) → flush removed chains → delete removed maps, chains, sets.
 */
import type { NftChain, NftSet, Ruleset } from './compile.js';

/** Names of the objects one agent owns in the table (from a listing). */
export interface OwnedObjects {
  chains: string[];
  sets: string[];
  maps: string[];
}

function setDecl(table: string, s: NftSet): string {
  return `add set inet ${table} ${s.name} { type ${s.type};${s.interval ? ' flags interval;' : ''} }`;
}

function chainDecl(table: string, c: NftChain): string {
  return c.hook ? `add chain inet ${table} ${c.name} { ${c.hook} }` : `add chain inet ${table} ${c.name}`;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** nft element lists are bounded by the parser's buffer; large sets are added in chunks. */
function elementLines(table: string, name: string, elements: readonly string[], verb = 'add'): string[] {
  const out: string[] = [];
  for (let i = 0; i < elements.length; i += 500) out.push(`${verb} element inet ${table} ${name} { ${elements.slice(i, i + 500).join(', ')} }`);
  return out;
}

/**
 * The transaction taking the kernel from `prev` (what the last successful script installed) to
 * `next`. With `prev` undefined, see fullScript. Empty string: nothing to do.
 */
export function diffScript(table: string, prev: Ruleset, next: Ruleset): string {
  const decl: string[] = [];
  const fill: string[] = [];
  const mapDel: string[] = [];
  const mapAdd: string[] = [];
  const flushRemoved: string[] = [];
  const del: string[] = [];

  for (const s of next.sets.values()) {
    const old = prev.sets.get(s.name);
    if (old && (old.type !== s.type || old.interval !== s.interval)) {
      // A set never changes type under one name (the name encodes rule kind); be safe anyway.
      fill.push(`delete set inet ${table} ${s.name}`, setDecl(table, s), ...elementLines(table, s.name, s.elements));
      continue;
    }
    if (!old) {
      decl.push(setDecl(table, s));
      fill.push(...elementLines(table, s.name, s.elements));
    } else if (!sameList(old.elements, s.elements)) {
      fill.push(`flush set inet ${table} ${s.name}`, ...elementLines(table, s.name, s.elements));
    }
  }
  for (const m of next.maps.values()) {
    const old = prev.maps.get(m.name);
    if (!old) decl.push(`add map inet ${table} ${m.name} { type ipv4_addr : verdict; }`);
    const removed: string[] = [];
    const added: string[] = [];
    for (const [k, v] of old?.elements ?? []) if (m.elements.get(k) !== v) removed.push(k);
    for (const [k, v] of m.elements) if (old?.elements.get(k) !== v) added.push(`${k} : ${v}`);
    mapDel.push(...elementLines(table, m.name, removed, 'delete'));
    mapAdd.push(...elementLines(table, m.name, added));
  }
  for (const c of next.chains.values()) {
    const old = prev.chains.get(c.name);
    if (!old) {
      decl.push(chainDecl(table, c));
      fill.push(...c.rules.map((r) => `add rule inet ${table} ${c.name} ${r}`));
    } else if (!sameList(old.rules, c.rules) || old.hook !== c.hook) {
      if (old.hook !== c.hook) fill.push(`delete chain inet ${table} ${c.name}`, chainDecl(table, c));
      else fill.push(`flush chain inet ${table} ${c.name}`);
      fill.push(...c.rules.map((r) => `add rule inet ${table} ${c.name} ${r}`));
    }
  }
  for (const m of prev.maps.keys()) if (!next.maps.has(m)) del.push(`delete map inet ${table} ${m}`);
  for (const c of prev.chains.keys()) {
    if (next.chains.has(c)) continue;
    flushRemoved.push(`flush chain inet ${table} ${c}`);
    del.push(`delete chain inet ${table} ${c}`);
  }
  for (const s of prev.sets.keys()) if (!next.sets.has(s)) del.push(`delete set inet ${table} ${s}`);

  const lines = [...decl, ...fill, ...mapDel, ...mapAdd, ...flushRemoved, ...del];
  return lines.length ? [`add table inet ${table}`, ...lines, ''].join('\n') : '';
}

const EMPTY: Ruleset = { sets: new Map(), chains: new Map(), maps: new Map() };

/**
 * Removes `owned` (one agent's objects, whatever their shape: leftovers of a crashed run) and
 * builds `next` from scratch, in one transaction. Table created when absent.
 */
export function fullScript(table: string, owned: OwnedObjects, next: Ruleset): string {
  return [`add table inet ${table}`, ...removalLines(table, owned), diffScript(table, EMPTY, next).replace(/^add table.*\n/, '')].join('\n');
}

function removalLines(table: string, owned: OwnedObjects): string[] {
  return [
    ...owned.chains.map((c) => `flush chain inet ${table} ${c}`),
    ...owned.maps.map((m) => `delete map inet ${table} ${m}`),
    ...owned.chains.map((c) => `delete chain inet ${table} ${c}`),
    ...owned.sets.map((s) => `delete set inet ${table} ${s}`),
  ];
}

/** Removes one agent's objects; the caller deletes the table once nothing is left in it. */
export function removalScript(table: string, owned: OwnedObjects): string {
  const lines = removalLines(table, owned);
  return lines.length ? [`add table inet ${table}`, ...lines, ''].join('\n') : '';
}

/**
 * The objects of `nft -j list table inet <table>` that are this agent's: `<tag>-` followed by one
 * of the shapes compile.ts produces (so another agent whose bridge name merely starts with ours
 * plus a dash, `flt0-x` next to `flt0`, never loses its objects).
 */
export function ownedObjects(listing: readonly Record<string, unknown>[], tag: string): OwnedObjects {
  const out: OwnedObjects = { chains: [], sets: [], maps: [] };
  const shape = /^(ingress|egress|inpods|egpods|self|g[ie]-[0-9a-f]{12}|p[0-9a-f]{12}-(in|eg|[ie]\d+-(peers|ports|named)))$/;
  const mine = (n: unknown): n is string => typeof n === 'string' && n.startsWith(`${tag}-`) && shape.test(n.slice(tag.length + 1));
  for (const o of listing) {
    const chain = (o.chain as { name?: unknown } | undefined)?.name;
    const set = (o.set as { name?: unknown } | undefined)?.name;
    const map = (o.map as { name?: unknown } | undefined)?.name;
    if (mine(chain)) out.chains.push(chain);
    if (mine(set)) out.sets.push(set);
    if (mine(map)) out.maps.push(map);
  }
  return out;
}

/** Whether a listing of the table holds no chain, set or map of anyone: the table may go. */
export function tableEmpty(listing: readonly Record<string, unknown>[]): boolean {
  return !listing.some((o) => 'chain' in o || 'set' in o || 'map' in o || 'rule' in o);
}
