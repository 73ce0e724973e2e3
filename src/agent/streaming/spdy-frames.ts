/**
 * SPDY/3.1 framing, only as much as a Kubernetes streaming client needs (pure: no I/O).
 *
 * Kubernetes' streaming (remotecommand, port-forward) runs over moby/spdystream: control frames
 * SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE and DATA
 * frames, big-endian, 8-byte headers (draft-mbelshe-httpbis-spdy-00, version 3). spdystream does
 * no flow control (WINDOW_UPDATE is ignored both ways), so neither do we.
 *
 * Header blocks: `u32 count, (u32 len, name, u32 len, value)*`, compressed as ONE zlib stream per
 * direction primed with the SPDY/3 dictionary. Our encoder writes that stream with stored
 * (uncompressed) deflate blocks, which every inflater accepts with or without a dictionary:
 * zlib header with FDICT and the dictionary's Adler-32 once, then per header block non-final
 * stored blocks followed by an empty one, byte for byte the shape of a Z_SYNC_FLUSH.
 * Header blocks we receive are skipped, not inflated: a client of kubelet's streaming server never
 * needs the server's stream headers.
 */

/** The SPDY/3 header compression dictionary (spec section 2.6.10.1). */
export const SPDY3_DICTIONARY: Buffer = (() => {
  const words = [
    'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
    'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
    'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
    'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
    'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
    'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
    'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive',
    'origin',
  ];
  const tail =
    '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
    '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
    '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
    'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
    'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
    'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';
  const parts: Buffer[] = [];
  for (const w of words) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    parts.push(len, Buffer.from(w, 'latin1'));
  }
  parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
})();

export function adler32(buf: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < buf.length; ) {
    const end = Math.min(buf.length, i + 3800);
    for (; i < end; i++) {
      a += buf[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

export const SPDY_VERSION = 3;
const enum ControlType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}
export const FLAG_FIN = 0x01;
/** RST_STREAM status codes used here. */
export const RST_CANCEL = 5;

export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'syn_stream'; streamId: number; fin: boolean }
  | { type: 'syn_reply'; streamId: number; fin: boolean }
  | { type: 'headers'; streamId: number; fin: boolean }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastStreamId: number; status: number }
  | { type: 'other'; control: number };

/** Encodes header blocks as one zlib stream of stored blocks (see the module comment). */
export class SpdyHeaderEncoder {
  private started = false;

  encode(headers: [string, string][]): Buffer {
    const parts: Buffer[] = [u32(headers.length)];
    for (const [name, value] of headers) {
      const n = Buffer.from(name.toLowerCase(), 'utf8');
      const v = Buffer.from(value, 'utf8');
      parts.push(u32(n.length), n, u32(v.length), v);
    }
    const raw = Buffer.concat(parts);
    const out: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32K window); FLG with FDICT (0x20) and FCHECK making CMF*256+FLG % 31 == 0.
      const cmf = 0x78;
      let flg = 0x20;
      flg += (31 - ((cmf * 256 + flg) % 31)) % 31;
      out.push(Buffer.from([cmf, flg]), u32(adler32(SPDY3_DICTIONARY)));
    }
    for (let off = 0; off < raw.length; off += 0xffff) out.push(storedBlock(raw.subarray(off, off + 0xffff)));
    // An empty stored block ends every header block, as zlib's Z_SYNC_FLUSH does: inflaters (Go's
    // flate) hand out what they hold only when they reach it.
    out.push(storedBlock(Buffer.alloc(0)));
    return Buffer.concat(out);
  }
}

/** A non-final stored deflate block (BFINAL=0, BTYPE=00, padding, LEN, NLEN, data). */
function storedBlock(data: Buffer): Buffer {
  const hdr = Buffer.alloc(5);
  hdr.writeUInt16LE(data.length, 1);
  hdr.writeUInt16LE(~data.length & 0xffff, 3);
  return Buffer.concat([hdr, data]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function controlFrame(type: ControlType, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | (payload.length & 0xffffff), 4);
  return Buffer.concat([h, payload]);
}

export function synStreamFrame(streamId: number, headerBlock: Buffer, opts: { fin?: boolean; priority?: number } = {}): Buffer {
  const p = Buffer.alloc(10);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(0, 4); // associated-to stream
  p[8] = ((opts.priority ?? 0) & 0x7) << 5;
  p[9] = 0; // slot
  return controlFrame(ControlType.SynStream, opts.fin ? FLAG_FIN : 0, Buffer.concat([p, headerBlock]));
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return controlFrame(ControlType.RstStream, 0, p);
}

export function pingFrame(id: number): Buffer {
  return controlFrame(ControlType.Ping, 0, u32(id));
}

export function goAwayFrame(lastStreamId: number, status = 0): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return controlFrame(ControlType.GoAway, 0, p);
}

/** DATA frames for `data` (split at 64 KiB); an empty `data` with `fin` is a bare half-close. */
export function dataFrames(streamId: number, data: Buffer, fin = false): Buffer[] {
  const out: Buffer[] = [];
  const MAX = 0x10000;
  let off = 0;
  do {
    const chunk = data.subarray(off, off + MAX);
    off += chunk.length;
    const h = Buffer.alloc(8);
    h.writeUInt32BE(streamId & 0x7fffffff, 0);
    h.writeUInt32BE((((fin && off >= data.length ? FLAG_FIN : 0) & 0xff) << 24) | chunk.length, 4);
    out.push(Buffer.concat([h, chunk]));
  } while (off < data.length);
  return out;
}

/** Incremental frame parser: feed bytes, get whole frames. Throws on a non-v3 control frame. */
export class SpdyFrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SpdyFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: SpdyFrame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4]!;
      const payload = this.buf.subarray(8, 8 + len);
      const first = this.buf.readUInt32BE(0);
      if (first & 0x80000000) {
        const version = (first >>> 16) & 0x7fff;
        if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
        frames.push(parseControl(first & 0xffff, flags, payload));
      } else {
        frames.push({ type: 'data', streamId: first & 0x7fffffff, fin: (flags & FLAG_FIN) !== 0, data: Buffer.from(payload) });
      }
      this.buf = this.buf.subarray(8 + len);
    }
    return frames;
  }
}

function parseControl(type: number, flags: number, p: Buffer): SpdyFrame {
  const fin = (flags & FLAG_FIN) !== 0;
  const id = () => p.readUInt32BE(0) & 0x7fffffff;
  switch (type) {
    case ControlType.SynStream:
      return { type: 'syn_stream', streamId: id(), fin };
    case ControlType.SynReply:
      return { type: 'syn_reply', streamId: id(), fin };
    case ControlType.Headers:
      return { type: 'headers', streamId: id(), fin };
    case ControlType.RstStream:
      return { type: 'rst_stream', streamId: id(), status: p.readUInt32BE(4) };
    case ControlType.Ping:
      return { type: 'ping', id: p.readUInt32BE(0) };
    case ControlType.GoAway:
      return { type: 'goaway', lastStreamId: id(), status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
    default:
      return { type: 'other', control: type };
  }
}
