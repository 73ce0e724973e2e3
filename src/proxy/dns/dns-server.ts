/**
 * The DNS server: UDP and TCP listeners, the cluster zone answered by a resolver function, and
 * everything else forwarded to upstream resolvers with a cache (CoreDNS' `kubernetes`, `forward`
 * and `cache 30` plugins in one process). The wire format is dns-packet's.
 *
 * Contracts:
 * - Every listen address serves UDP and TCP on the same port (port 0: one free port for both).
 * - UDP answers fit the client's EDNS payload size (512 bytes without EDNS): records are dropped
 *   (additional section first) and TC is set, so the client retries over TCP, where up to 64 KiB
 *   go out. TCP connections may carry several queries; idle ones are closed after 10 s.
 * - Forwarding tries the upstreams in order, each once, over the client's protocol (a truncated
 *   UDP reply to a TCP client is retried over TCP); identical concurrent questions share one
 *   upstream exchange. No upstream answer in time → SERVFAIL (not cached).
 * - Malformed packets: FORMERR when a header could be read, otherwise dropped. Opcodes other than
 *   QUERY: NOTIMP. A packet with other than one question: FORMERR.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, Question as PacketQuestion } from 'dns-packet';
import type { Logger } from '../../lib/log.js';
import { AnswerCache, type CachedAnswer } from './answer-cache.js';
import type { Question, Resolution, ResourceRecord } from './resolver.js';

export interface HostPort {
  address: string;
  port: number;
}

export interface DnsServerOptions {
  /** Addresses to serve on (UDP and TCP each). */
  listen: HostPort[];
  /** Answers the cluster zone, or says 'forward'. */
  resolve: (q: Question) => Resolution;
  /** Resolvers for everything else, tried in order. Empty: such names get SERVFAIL. */
  upstreams: HostPort[];
  /** Per upstream attempt (default 2000 ms). */
  upstreamTimeoutMs?: number;
  /** Forwarded-answer cache (default 10,000 entries, 30 s max TTL; 0 entries disables it). */
  cacheSize?: number;
  cacheMaxTtl?: number;
  /** Clock for the cache (ms). */
  now?: () => number;
  /**
   * The cluster data's generation (e.g. the index revision). When given, encoded answers of the
   * cluster zone are reused until it changes (ExternalName answers that needed the upstream are
   * never reused this way).
   */
  generation?: () => number;
  logger: Logger;
}

export interface DnsServerStats {
  queries: number;
  local: number;
  forwarded: number;
  cacheHits: number;
  servfail: number;
  truncated: number;
}

export interface RunningDnsServer {
  /** The bound addresses (port 0 resolved), in the order of `listen`. */
  readonly addresses: HostPort[];
  stats(): DnsServerStats;
  stop(): Promise<void>;
}

const RCODE: Record<string, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const RCODE_NAME = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const OUR_UDP_PAYLOAD = 1232;
const TCP_IDLE_MS = 10_000;
const UPSTREAM_SOCKETS = 8;

type Proto = 'udp' | 'tcp';
type Rec = Answer;
interface Exchange {
  rcode: string;
  answers: Rec[];
  authorities: Rec[];
  additionals: Rec[];
  truncated: boolean;
}

function toAnswer(r: ResourceRecord): Rec {
  return r as unknown as Rec;
}

function withoutOpt(rs: Rec[] | undefined): Rec[] {
  return (rs ?? []).filter((r) => r.type !== 'OPT');
}

/** Encodes a response to `query`, truncated to `maxSize` bytes with TC set when it does not fit. */
export function encodeResponse(
  query: Pick<DecodedPacket, 'id' | 'flags' | 'questions' | 'additionals'>,
  rcode: string,
  sections: { answers: Rec[]; authorities: Rec[]; additionals: Rec[] },
  opts: { authoritative: boolean; maxSize: number; truncated?: boolean },
): { buf: Buffer; truncated: boolean } {
  const qflags = query.flags ?? 0;
  const clientOpt = (query.additionals ?? []).find((r) => r.type === 'OPT');
  const opt: Rec[] = clientOpt ? [{ type: 'OPT', name: '.', udpPayloadSize: OUR_UDP_PAYLOAD, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as Rec] : [];
  let flags = (qflags & 0x7800) | (qflags & dnsPacket.RECURSION_DESIRED) | (qflags & dnsPacket.CHECKING_DISABLED) | dnsPacket.RECURSION_AVAILABLE | (RCODE[rcode] ?? 2);
  if (opts.authoritative) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
  const build = (answers: Rec[], authorities: Rec[], additionals: Rec[], tc: boolean): Packet => ({
    type: 'response',
    id: query.id ?? 0,
    flags: tc ? flags | dnsPacket.TRUNCATED_RESPONSE : flags,
    questions: query.questions ?? [],
    answers,
    authorities,
    additionals: [...additionals, ...opt],
  });
  const tc = opts.truncated === true;
  const full = dnsPacket.encode(build(sections.answers, sections.authorities, sections.additionals, tc));
  if (full.length <= opts.maxSize) return { buf: full, truncated: tc };
  // Drop the additional and authority sections, then answers from the end, until it fits.
  let answers = sections.answers;
  for (;;) {
    const buf = dnsPacket.encode(build(answers, [], [], true));
    if (buf.length <= opts.maxSize || answers.length === 0) return { buf, truncated: true };
    answers = answers.slice(0, Math.max(0, Math.min(answers.length - 1, Math.floor((answers.length * opts.maxSize) / buf.length))));
  }
}

/** Starts the server; rejects when a listen address cannot be bound (nothing is left open then). */
export async function startDnsServer(opts: DnsServerOptions): Promise<RunningDnsServer> {
  const log = opts.logger;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.upstreamTimeoutMs ?? 2000;
  const maxTtl = opts.cacheMaxTtl ?? 30;
  const cache = new AnswerCache<Rec>(opts.cacheSize ?? 10_000, maxTtl);
  const useCache = (opts.cacheSize ?? 10_000) > 0;
  const stats: DnsServerStats = { queries: 0, local: 0, forwarded: 0, cacheHits: 0, servfail: 0, truncated: 0 };
  const udpSockets: dgram.Socket[] = [];
  const tcpServers: net.Server[] = [];
  const tcpConns = new Set<net.Socket>();
  const addresses: HostPort[] = [];
  let stopped = false;

  // ---------------------------------------------------------------- upstream exchange
  /**
   * Upstream sockets: a few per family, one picked at random per query, so both the query id and
   * the source port are unpredictable (RFC 5452) without a socket per query.
   */
  const clientSockets = new Map<4 | 6, dgram.Socket[]>();
  const pending = new Map<number, { upstream: HostPort; name: string; done: (p: DecodedPacket | undefined) => void }>();
  const inflight = new Map<string, Promise<Exchange | undefined>>();

  const clientSocket = (family: 4 | 6): dgram.Socket => {
    let pool = clientSockets.get(family);
    if (!pool) clientSockets.set(family, (pool = []));
    if (pool.length >= UPSTREAM_SOCKETS) return pool[randomInt(pool.length)]!;
    const s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    s.on('message', (msg, rinfo) => {
      let p: DecodedPacket;
      try {
        p = dnsPacket.decode(msg);
      } catch {
        return;
      }
      const w = pending.get(p.id ?? -1);
      if (!w || rinfo.port !== w.upstream.port || normalizeAddr(rinfo.address) !== normalizeAddr(w.upstream.address)) return;
      if ((p.questions?.[0]?.name ?? '').toLowerCase() !== w.name.toLowerCase()) return;
      w.done(p);
    });
    s.on('error', (e) => log.warn('upstream socket error', { err: e.message }));
    s.unref();
    pool.push(s);
    return s;
  };

  const newId = (): number => {
    for (let i = 0; i < 100; i++) {
      const id = randomInt(65536);
      if (!pending.has(id)) return id;
    }
    return randomInt(65536);
  };

  const queryPacket = (q: PacketQuestion, id: number): Packet => ({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: q.name, type: q.type, class: q.class ?? 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: OUR_UDP_PAYLOAD, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as Rec],
  });

  const udpExchange = (up: HostPort, q: PacketQuestion): Promise<DecodedPacket | undefined> =>
    new Promise((resolve) => {
      const id = newId();
      const family = up.address.includes(':') ? 6 : 4;
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const finish = (p: DecodedPacket | undefined) => {
        clearTimeout(timer);
        if (pending.get(id)?.done === finish) pending.delete(id);
        resolve(p);
      };
      pending.set(id, { upstream: up, name: q.name, done: finish });
      clientSocket(family).send(dnsPacket.encode(queryPacket(q, id)), up.port, up.address, (err) => {
        if (err) finish(undefined);
      });
    });

  const tcpExchange = (up: HostPort, q: PacketQuestion): Promise<DecodedPacket | undefined> =>
    new Promise((resolve) => {
      const id = newId();
      const sock = net.connect({ host: up.address, port: up.port });
      let buf = Buffer.alloc(0);
      let settled = false;
      const finish = (p: DecodedPacket | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        resolve(p);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      sock.on('connect', () => sock.write(dnsPacket.streamEncode(queryPacket(q, id))));
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 2) return;
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) return;
        try {
          const p = dnsPacket.decode(buf.subarray(2, 2 + len));
          finish(p.id === id ? p : undefined);
        } catch {
          finish(undefined);
        }
      });
      sock.on('error', () => finish(undefined));
      sock.on('close', () => finish(undefined));
    });

  const exchange = async (q: PacketQuestion, proto: Proto): Promise<Exchange | undefined> => {
    for (const up of opts.upstreams) {
      let p = await udpExchange(up, q);
      if (p && p.flag_tc && proto === 'tcp') p = await tcpExchange(up, q);
      if (!p) {
        log.v(2).info('upstream did not answer', { upstream: `${up.address}:${up.port}`, name: q.name });
        continue;
      }
      const rcode = RCODE_NAME[(p.flags ?? 0) & 0xf] ?? 'SERVFAIL';
      if (rcode === 'SERVFAIL' || rcode === 'REFUSED') continue;
      // As CoreDNS' cache: no record goes out with a TTL above the cache's maximum.
      const cap = (rs: Rec[]): Rec[] => (useCache ? rs.map((r) => ((r as { ttl?: number }).ttl ?? 0) > maxTtl ? ({ ...r, ttl: maxTtl } as Rec) : r) : rs);
      return { rcode, answers: cap(p.answers ?? []), authorities: cap(p.authorities ?? []), additionals: cap(withoutOpt(p.additionals)), truncated: p.flag_tc };
    }
    return undefined;
  };

  /** A forwarded answer: from the cache, from an identical exchange in flight, or upstream. */
  const forward = async (q: PacketQuestion, proto: Proto): Promise<Exchange | undefined> => {
    const key = AnswerCache.key(q.name, q.type, q.class ?? 'IN');
    if (useCache) {
      const hit = cache.get(key, now());
      if (hit) {
        stats.cacheHits++;
        return { ...hit, truncated: false };
      }
    }
    const flightKey = `${key}|${proto}`;
    let p = inflight.get(flightKey);
    if (!p) {
      stats.forwarded++;
      p = exchange(q, proto).finally(() => inflight.delete(flightKey));
      inflight.set(flightKey, p);
      void p.then((ex) => {
        if (ex && !ex.truncated && useCache) cache.put(key, ex as CachedAnswer<Rec>, now());
      });
    }
    return p;
  };

  // ---------------------------------------------------------------- query handling
  const localAnswers = new Map<string, { generation: number; buf: Buffer }>();
  /** Encoded forwarded answers, reused within the second they were encoded in (TTLs stay right). */
  const forwardedAnswers = new Map<string, { second: number; buf: Buffer }>();
  const patched = (buf: Buffer, msg: Buffer, questionEnd: number): Buffer => {
    const out = Buffer.from(buf);
    msg.copy(out, 0, 0, 2); // the id
    msg.copy(out, 12, 12, questionEnd); // the question as asked (its case)
    return out;
  };
  const handle = async (msg: Buffer, proto: Proto, maxTcp = 65535): Promise<Buffer | undefined> => {
    stats.queries++;
    const simple = parseSimpleQuery(msg);
    const fastKey = simple && `${simple.key}|${proto === 'tcp' ? 't' : simple.udpSize}`;
    if (fastKey) {
      const hit = opts.generation && localAnswers.get(fastKey);
      if (hit && hit.generation === opts.generation!()) {
        stats.local++;
        return patched(hit.buf, msg, simple.questionEnd);
      }
      const fw = useCache ? forwardedAnswers.get(fastKey) : undefined;
      if (fw && fw.second === Math.floor(now() / 1000)) {
        stats.cacheHits++;
        return patched(fw.buf, msg, simple.questionEnd);
      }
    }
    const generation = opts.generation?.();
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      if (msg.length < 12) return undefined;
      const id = msg.readUInt16BE(0);
      return dnsPacket.encode({ type: 'response', id, flags: (msg.readUInt16BE(2) & 0x7800) | RCODE.FORMERR! });
    }
    if (query.type === 'response') return undefined;
    const clientOpt = (query.additionals ?? []).find((r) => r.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const maxSize = proto === 'tcp' ? maxTcp : Math.min(65535, Math.max(512, clientOpt?.udpPayloadSize ?? 512));
    const reply = (rcode: string, s: { answers: Rec[]; authorities: Rec[]; additionals: Rec[] }, authoritative: boolean, truncated = false) => {
      if (rcode === 'SERVFAIL') stats.servfail++;
      const out = encodeResponse(query, rcode, s, { authoritative, maxSize, truncated });
      if (out.truncated) stats.truncated++;
      return out.buf;
    };
    const empty = { answers: [], authorities: [], additionals: [] };
    const opcode = ((query.flags ?? 0) >> 11) & 0xf;
    if (opcode !== 0) return reply('NOTIMP', empty, false);
    if ((query.questions ?? []).length !== 1) return reply('FORMERR', empty, false);
    const q = query.questions![0]!;
    const res = q.class === 'IN' || q.class === undefined ? opts.resolve({ name: q.name, type: q.type }) : ({ kind: 'forward' } as const);
    if (res.kind === 'forward') {
      const ex = await forward(q, proto);
      if (!ex) return reply('SERVFAIL', empty, false);
      // An upstream answer truncated for UDP stays truncated: the client retries over TCP.
      const out = reply(ex.rcode, ex, false, ex.truncated);
      if (fastKey && useCache && !ex.truncated && (ex.rcode === 'NOERROR' || ex.rcode === 'NXDOMAIN')) {
        if (forwardedAnswers.size >= 10_000) forwardedAnswers.clear();
        forwardedAnswers.set(fastKey, { second: Math.floor(now() / 1000), buf: out });
      }
      return out;
    }
    stats.local++;
    let answers = res.answers.map(toAnswer);
    let authorities = res.authorities.map(toAnswer);
    let rcode: string = res.rcode;
    if (res.chase) {
      // ExternalName outside the zone: the CNAME, then the target's records from upstream.
      const ex = await forward({ name: res.chase, type: q.type, class: 'IN' }, proto);
      if (ex && (ex.rcode === 'NOERROR' || ex.rcode === 'NXDOMAIN')) {
        answers = [...answers, ...ex.answers];
        rcode = ex.rcode;
        authorities = ex.answers.length ? [] : ex.authorities;
      }
    }
    const out = reply(rcode, { answers, authorities, additionals: res.additionals.map(toAnswer) }, true);
    if (fastKey && !res.chase && generation !== undefined) {
      if (localAnswers.size >= 10_000) localAnswers.clear();
      localAnswers.set(fastKey, { generation, buf: out });
    }
    return out;
  };

  const safeHandle = (msg: Buffer, proto: Proto): Promise<Buffer | undefined> =>
    handle(msg, proto).catch((e: unknown) => {
      log.warn('query failed', { err: e instanceof Error ? e.message : String(e) });
      if (msg.length < 12) return undefined;
      return dnsPacket.encode({ type: 'response', id: msg.readUInt16BE(0), flags: RCODE.SERVFAIL! });
    });

  // ---------------------------------------------------------------- listeners
  const onTcpConnection = (sock: net.Socket) => {
    tcpConns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => tcpConns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    sock.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        chain = chain.then(async () => {
          const out = await safeHandle(Buffer.from(msg), 'tcp');
          if (!out || sock.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(out.length);
          sock.write(Buffer.concat([head, out]));
        });
      }
    });
  };

  const bindUdp = (addr: HostPort): Promise<dgram.Socket> =>
    new Promise((resolve, reject) => {
      const s = dgram.createSocket(addr.address.includes(':') ? 'udp6' : 'udp4');
      s.once('error', reject);
      s.bind(addr.port, addr.address, () => {
        s.off('error', reject);
        s.on('error', (e) => log.warn('udp listener error', { err: e.message }));
        s.on('message', (msg, rinfo) => {
          void safeHandle(msg, 'udp').then((out) => {
            if (out && !stopped) s.send(out, rinfo.port, rinfo.address);
          });
        });
        resolve(s);
      });
    });

  const bindTcp = (addr: HostPort): Promise<net.Server> =>
    new Promise((resolve, reject) => {
      const srv = net.createServer(onTcpConnection);
      srv.once('error', reject);
      srv.listen(addr.port, addr.address, () => {
        srv.off('error', reject);
        resolve(srv);
      });
    });

  const stop = async () => {
    stopped = true;
    for (const s of udpSockets) s.close();
    for (const c of tcpConns) c.destroy();
    await Promise.all(tcpServers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const pool of clientSockets.values()) for (const s of pool) s.close();
    for (const w of pending.values()) w.done(undefined);
  };

  try {
    for (const want of opts.listen) {
      // Port 0: UDP picks the port, TCP takes the same one (retried if TCP's is taken).
      let lastErr: unknown;
      for (let attempt = 0; attempt < 5; attempt++) {
        const udp = await bindUdp(want);
        const port = udp.address().port;
        try {
          const tcp = await bindTcp({ address: want.address, port });
          udpSockets.push(udp);
          tcpServers.push(tcp);
          addresses.push({ address: want.address, port });
          lastErr = undefined;
          break;
        } catch (e) {
          udp.close();
          lastErr = e;
          if (want.port !== 0) break;
        }
      }
      if (lastErr) throw lastErr;
    }
  } catch (e) {
    await stop();
    throw e;
  }
  log.info('dns server listening', { addresses: addresses.map((a) => `${a.address}:${a.port}`).join(','), upstreams: opts.upstreams.map((u) => `${u.address}:${u.port}`).join(',') });

  return {
    addresses,
    stats: () => ({ ...stats, cacheHits: stats.cacheHits }),
    stop,
  };
}

/**
 * The question of a plain query, read without a full decode: one question with an uncompressed
 * name, opcode QUERY, no answer/authority records, at most one additional (OPT). Anything else:
 * undefined (the caller takes the general path). `key` holds the lowercase name, type, class and
 * the RD/CD bits and whether OPT was present; `udpSize` is the client's UDP limit.
 */
export function parseSimpleQuery(msg: Buffer): { key: string; questionEnd: number; udpSize: number } | undefined {
  if (msg.length < 17) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000 || (flags >> 11) & 0xf) return undefined;
  if (msg.readUInt16BE(4) !== 1 || msg.readUInt16BE(6) !== 0 || msg.readUInt16BE(8) !== 0) return undefined;
  const arcount = msg.readUInt16BE(10);
  if (arcount > 1) return undefined;
  let o = 12;
  let name = '';
  for (;;) {
    if (o >= msg.length) return undefined;
    const len = msg[o]!;
    if (len === 0) break;
    if (len > 63 || o + 1 + len > msg.length) return undefined;
    const label = msg.toString('latin1', o + 1, o + 1 + len).toLowerCase();
    if (label.includes('.') || label.includes('\\')) return undefined;
    name += (name ? '.' : '') + label;
    o += 1 + len;
  }
  o += 1;
  if (o + 4 > msg.length) return undefined;
  const qtype = msg.readUInt16BE(o);
  const qclass = msg.readUInt16BE(o + 2);
  const questionEnd = o + 4;
  let udpSize = 512;
  let opt = 0;
  if (arcount === 1) {
    // OPT: root name (0), type 41, payload size, then ttl (4), rdlength (2) + rdata.
    if (questionEnd + 11 > msg.length || msg[questionEnd] !== 0 || msg.readUInt16BE(questionEnd + 1) !== 41) return undefined;
    udpSize = Math.min(65535, Math.max(512, msg.readUInt16BE(questionEnd + 3)));
    opt = 1;
  } else if (questionEnd !== msg.length) return undefined;
  return { key: `${name}|${qtype}|${qclass}|${flags & 0x0110}|${opt}`, questionEnd, udpSize };
}

function normalizeAddr(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
