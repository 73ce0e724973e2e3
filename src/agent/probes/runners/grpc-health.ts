/**
 * The two messages of grpc.health.v1.Health/Check, encoded by hand (they have one field each, so a
 * .proto and a loader would be more code than this):
 *   message HealthCheckRequest  { string service = 1; }
 *   message HealthCheckResponse { ServingStatus status = 1; }
 *   enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
 * Used by the probe runner and by the tests' health server.
 */
export const HEALTH_CHECK_METHOD = '/grpc.health.v1.Health/Check';

export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
export type ServingStatus = (typeof SERVING_STATUS)[number];

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    if (shift < 32) v += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [v, pos];
    if (shift > 63) throw new Error('varint too long');
  }
}

/** Walks the fields of a message: calls `on(field, wireType, value)` for varints and byte fields. */
function walk(buf: Buffer, on: (field: number, value: number | Buffer) => void): void {
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      pos = p2;
      on(field, v);
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      if (p2 + len > buf.length) throw new Error('truncated field');
      on(field, buf.subarray(p2, p2 + len));
      pos = p2 + len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

export function encodeHealthCheckRequest(req: { service: string }): Buffer {
  if (!req.service) return Buffer.alloc(0);
  const s = Buffer.from(req.service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...varint(s.length)]), s]);
}

export function decodeHealthCheckRequest(buf: Buffer): { service: string } {
  let service = '';
  walk(buf, (f, v) => {
    if (f === 1 && Buffer.isBuffer(v)) service = v.toString('utf8');
  });
  return { service };
}

/** Status numbers outside the enum are kept as their number (proto3 open enums). */
export function encodeHealthCheckResponse(res: { status: ServingStatus | number }): Buffer {
  const n = typeof res.status === 'number' ? res.status : SERVING_STATUS.indexOf(res.status);
  if (n === 0) return Buffer.alloc(0);
  return Buffer.from([0x08, ...varint(n)]);
}

export function decodeHealthCheckResponse(buf: Buffer): { status: ServingStatus | number } {
  let n = 0;
  walk(buf, (f, v) => {
    if (f === 1 && typeof v === 'number') n = v;
  });
  return { status: SERVING_STATUS[n] ?? n };
}
