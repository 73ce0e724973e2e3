/**
 * Test helpers: a minimal DNS client (UDP and TCP, loopback only) and a fake upstream resolver on
 * 127.0.0.1 that answers from a table and counts the questions it got. Never point these at a
 * real resolver.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';

export interface QueryOptions {
  /** Adds an OPT record with this UDP payload size. */
  edns?: number;
  timeoutMs?: number;
  id?: number;
}

/** A record as tests read it (dns-packet's union flattened). */
export interface Rec {
  name: string;
  type: string;
  ttl?: number;
  data?: unknown;
}
/** A decoded reply with plain record lists. */
export type Reply = Omit<DecodedPacket, 'answers' | 'authorities' | 'additionals'> & { answers: Rec[]; authorities: Rec[]; additionals: Rec[] };

function reply(p: DecodedPacket): Reply {
  return { ...p, answers: (p.answers ?? []) as Rec[], authorities: (p.authorities ?? []) as Rec[], additionals: (p.additionals ?? []) as Rec[] };
}

export function rcodeOf(p: Pick<DecodedPacket, 'flags'>): string {
  return ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][(p.flags ?? 0) & 0xf] ?? String((p.flags ?? 0) & 0xf);
}

function queryPacket(name: string, type: string, o: QueryOptions): Packet {
  return {
    type: 'query',
    id: o.id ?? Math.floor(Math.random() * 65536),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A', class: 'IN' }],
    ...(o.edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as Answer] } : {}),
  };
}

/** Sends raw bytes over UDP and resolves with the raw reply (or undefined on timeout). */
export function udpRaw(port: number, msg: Buffer, timeoutMs = 2000, host = '127.0.0.1'): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const done = (b: Buffer | undefined) => {
      clearTimeout(timer);
      s.close();
      resolve(b);
    };
    s.on('message', (m) => done(m));
    s.send(msg, port, host);
  });
}

export async function queryUdp(port: number, name: string, type = 'A', o: QueryOptions = {}): Promise<Reply & { size: number }> {
  const raw = await udpRaw(port, dnsPacket.encode(queryPacket(name, type, o)), o.timeoutMs ?? 5000);
  if (!raw) throw new Error(`no UDP answer for ${name} ${type}`);
  return { ...reply(dnsPacket.decode(raw)), size: raw.length };
}

/** Sends every question on one TCP connection (pipelined) and resolves with the answers by id. */
export function queryTcp(port: number, questions: { name: string; type?: string }[], o: QueryOptions = {}): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const ids = questions.map((_, i) => (o.id ?? 1000) + i);
    const got = new Map<number, Reply>();
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('TCP query timed out'));
    }, o.timeoutMs ?? 5000);
    sock.on('connect', () => {
      // One write with every frame: the server must split them.
      sock.write(Buffer.concat(questions.map((q, i) => dnsPacket.streamEncode(queryPacket(q.name, q.type ?? 'A', { ...o, id: ids[i]! })))));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const p = dnsPacket.decode(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        got.set(p.id ?? -1, reply(p));
      }
      if (got.size === questions.length) {
        clearTimeout(timer);
        sock.end();
        resolve(ids.map((id) => got.get(id)!));
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export interface FakeUpstream {
  readonly port: number;
  /** Questions received, as `name type proto`. */
  readonly seen: string[];
  close(): Promise<void>;
}

/**
 * A fake upstream resolver on 127.0.0.1 (UDP + TCP on one port): `records[name]` are the answers
 * for that lowercase name (filtered by the asked type); unknown names are NXDOMAIN with an SOA.
 * UDP answers larger than 512 bytes (or the client's EDNS size) are sent empty with TC set.
 */
export async function startFakeUpstream(records: Record<string, Answer[]>, bind: { address?: string; port?: number } = {}): Promise<FakeUpstream> {
  const address = bind.address ?? '127.0.0.1';
  const seen: string[] = [];
  const answer = (msg: Buffer, proto: 'udp' | 'tcp'): Buffer => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0]!;
    const name = question.name.toLowerCase();
    seen.push(`${name} ${question.type} ${proto}`);
    const rs = records[name];
    const answers = (rs ?? []).filter((r) => r.type === question.type || r.type === 'CNAME');
    const flags = dnsPacket.RECURSION_AVAILABLE | dnsPacket.RECURSION_DESIRED | (rs ? 0 : 3);
    const authorities: Answer[] = answers.length
      ? []
      : [{ name: 'test', type: 'SOA', ttl: 60, class: 'IN', data: { mname: 'ns.test', rname: 'h.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 20 } }];
    const p: Packet = { type: 'response', id: q.id ?? 0, flags, questions: q.questions ?? [], answers, authorities };
    let out = dnsPacket.encode(p);
    const opt = (q.additionals ?? []).find((r) => r.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    if (proto === 'udp' && out.length > (opt?.udpPayloadSize ?? 512)) out = dnsPacket.encode({ ...p, answers: [], authorities: [], flags: flags | dnsPacket.TRUNCATED_RESPONSE });
    return out;
  };
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, r) => udp.send(answer(m, 'udp'), r.port, r.address));
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(bind.port ?? 0, address, () => resolve());
  });
  const port = udp.address().port;
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const out = answer(buf.subarray(2, 2 + len), 'tcp');
        buf = buf.subarray(2 + len);
        const head = Buffer.alloc(2);
        head.writeUInt16BE(out.length);
        s.write(Buffer.concat([head, out]));
      }
    });
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, address, () => resolve());
  });
  let closed = false;
  return {
    port,
    seen,
    close: async () => {
      if (closed) return;
      closed = true;
      udp.close();
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}
