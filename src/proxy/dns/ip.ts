/**
 * IP address helpers for cluster DNS: parsing, canonical text (RFC 5952 for IPv6), the dashed
 * forms used in pod and endpoint names (`10-244-0-5`, `fd00--5`) and reverse-lookup names
 * (`5.0.244.10.in-addr.arpa`, nibbles under `ip6.arpa`). Pure: no I/O.
 */

/** The address family of `s` (4 or 6), or 0 when it is not an IP address. */
export function ipFamily(s: string): 0 | 4 | 6 {
  if (parseV4(s)) return 4;
  if (parseV6(s)) return 6;
  return 0;
}

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255 || (p.length > 1 && p[0] === '0')) return undefined;
    out.push(n);
  }
  return out;
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail allowed), or undefined. */
function parseV6(s: string): number[] | undefined {
  if (!s.includes(':') || s.length > 45) return undefined;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const expand = (list: string[]): number[] | undefined => {
    const out: number[] = [];
    for (const g of list) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const a = expand(head);
  const b = expand(rest);
  if (!a || !b) return undefined;
  if (halves.length === 1) return a.length === 8 ? a : undefined;
  if (a.length + b.length > 7) return undefined;
  return [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
}

function v6Text(g: number[]): string {
  // RFC 5952: the longest run (≥ 2) of zero groups becomes '::', the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** The canonical text of an address (IPv6 lowercased and compressed), or undefined if invalid. */
export function canonicalIP(s: string): string | undefined {
  const v4 = parseV4(s);
  if (v4) return v4.join('.');
  const v6 = parseV6(s);
  return v6 ? v6Text(v6) : undefined;
}

/** `10.244.0.5` → `10-244-0-5`, `fd00::5` → `fd00--5` (the label form in pod and endpoint names). */
export function dashedIP(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

/**
 * The address of a dashed pod label (`10-244-0-5`, `fd00--5`), canonical, or undefined. IPv4 needs
 * exactly four parts; anything else is read as IPv6 with '-' for ':'.
 */
export function ipFromDashed(label: string): string | undefined {
  if (/^\d{1,3}(-\d{1,3}){3}$/.test(label)) return canonicalIP(label.replace(/-/g, '.'));
  if (!/^[0-9a-f-]+$/i.test(label) || !label.includes('-')) return undefined;
  const text = label.replace(/-/g, ':');
  return parseV6(text) ? canonicalIP(text) : undefined;
}

/** The reverse-lookup name of an address, without the trailing dot. */
export function reverseName(ip: string): string | undefined {
  const v4 = parseV4(ip);
  if (v4) return `${[...v4].reverse().join('.')}.in-addr.arpa`;
  const v6 = parseV6(ip);
  if (!v6) return undefined;
  const nibbles = v6.map((g) => g.toString(16).padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa`;
}

/**
 * The address a reverse-lookup name (lowercase, no trailing dot) stands for, canonical; undefined
 * for partial names (`0.244.10.in-addr.arpa`) and anything else.
 */
export function ipFromReverseName(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return undefined;
    return canonicalIP(parts.reverse().join('.'));
  }
  if (name.endsWith('.ip6.arpa')) {
    const parts = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (parts.length !== 32 || parts.some((p) => !/^[0-9a-f]$/.test(p))) return undefined;
    const hex = parts.reverse().join('');
    const groups = hex.match(/.{4}/g)!.map((g) => parseInt(g, 16));
    return v6Text(groups);
  }
  return undefined;
}
