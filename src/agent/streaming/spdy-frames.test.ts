import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createInflate } from 'node:zlib';
import { SPDY3_DICTIONARY, SpdyFrameParser, SpdyHeaderEncoder, adler32, dataFrames, goAwayFrame, pingFrame, rstStreamFrame, synStreamFrame } from './spdy-frames.js';

/** Inflates a sequence of header blocks with one zlib stream, as the peer does. */
function inflateAll(blocks: Buffer[]): Promise<Buffer[]> {
  const inf = createInflate({ dictionary: SPDY3_DICTIONARY });
  const out: Buffer[] = [];
  return (async () => {
    for (const b of blocks) {
      const chunks: Buffer[] = [];
      const onData = (d: Buffer) => chunks.push(d);
      inf.on('data', onData);
      inf.write(b);
      await new Promise<void>((r) => inf.flush(constants.Z_SYNC_FLUSH, () => r()));
      inf.off('data', onData);
      out.push(Buffer.concat(chunks));
    }
    inf.close();
    return out;
  })();
}

test('the SPDY/3 dictionary: 1423 bytes, Adler-32 e3c6a7c2 (the id Go servers put in their header streams)', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(adler32(SPDY3_DICTIONARY).toString(16), 'e3c6a7c2');
  assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
});

test('header blocks: one zlib stream with the dictionary, each block ending on a sync-flush marker', async () => {
  const enc = new SpdyHeaderEncoder();
  const a = enc.encode([['streamType', 'error']]);
  const b = enc.encode([['streamtype', 'stdout'], ['port', '8080']]);
  assert.deepEqual([...a.subarray(0, 2)], [0x78, 0x20]);
  assert.equal(a.readUInt32BE(2), 0xe3c6a7c2);
  for (const blk of [a, b]) assert.deepEqual([...blk.subarray(-5)], [0, 0, 0, 0xff, 0xff]);
  const [ra, rb] = await inflateAll([a, b]);
  const pairs = (buf: Buffer) => {
    const n = buf.readUInt32BE(0);
    const out: string[] = [];
    let off = 4;
    for (let i = 0; i < n * 2; i++) {
      const len = buf.readUInt32BE(off);
      out.push(buf.subarray(off + 4, off + 4 + len).toString());
      off += 4 + len;
    }
    assert.equal(off, buf.length);
    return out;
  };
  assert.deepEqual(pairs(ra!), ['streamtype', 'error']);
  assert.deepEqual(pairs(rb!), ['streamtype', 'stdout', 'port', '8080']);
});

test('frames parse back, whole or fed byte by byte; a Go SYN_REPLY is read', () => {
  const enc = new SpdyHeaderEncoder();
  const bytes = Buffer.concat([
    synStreamFrame(1, enc.encode([['streamType', 'error']])),
    ...dataFrames(3, Buffer.from('hello')),
    ...dataFrames(3, Buffer.alloc(0), true),
    rstStreamFrame(5, 5),
    pingFrame(2),
    goAwayFrame(3),
    Buffer.from('80030002000000140000000178f9e3c6a7c26260606000000000ffff', 'hex'),
  ]);
  const expected = [
    { type: 'syn_stream', streamId: 1, fin: false },
    { type: 'data', streamId: 3, fin: false, data: Buffer.from('hello') },
    { type: 'data', streamId: 3, fin: true, data: Buffer.alloc(0) },
    { type: 'rst_stream', streamId: 5, status: 5 },
    { type: 'ping', id: 2 },
    { type: 'goaway', lastStreamId: 3, status: 0 },
    { type: 'syn_reply', streamId: 1, fin: false },
  ];
  assert.deepEqual(new SpdyFrameParser().push(bytes), expected);
  const p = new SpdyFrameParser();
  const got = [];
  for (const byte of bytes) got.push(...p.push(Buffer.from([byte])));
  assert.deepEqual(got, expected);
});

test('DATA over 64 KiB is split; FIN only on the last piece', () => {
  const frames = dataFrames(7, Buffer.alloc(150_000, 1), true);
  const parsed = new SpdyFrameParser().push(Buffer.concat(frames));
  assert.deepEqual(
    parsed.map((f) => (f.type === 'data' ? [f.data.length, f.fin] : [])),
    [
      [65536, false],
      [65536, false],
      [18928, true],
    ],
  );
});

test('a control frame of another SPDY version is an error', () => {
  assert.throws(() => new SpdyFrameParser().push(Buffer.from('8002000600000004000000001', 'hex')), /unsupported SPDY version 2/);
});
