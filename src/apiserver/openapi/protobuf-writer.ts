/**
 * A minimal protobuf wire-format writer (proto3 semantics: empty strings, false and 0 are omitted;
 * embedded messages are written whenever the caller asks). Each writer owns one growable buffer;
 * embedding a finished child copies its bytes once.
 */
const encoder = new TextEncoder();

export class PbWriter {
  private buf = new Uint8Array(64);
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private varint(n: number): void {
    this.ensure(10);
    if (n < 0) {
      let big = BigInt.asUintN(64, BigInt(Math.trunc(n)));
      while (big >= 0x80n) {
        this.buf[this.pos++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      this.buf[this.pos++] = Number(big);
      return;
    }
    let v = n;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private bytesOfString(s: string): void {
    // Worst case 3 bytes per UTF-16 unit; write after a max-size length slot, then fix the slot.
    const max = s.length * 3;
    this.ensure(max + 5);
    let ascii = true;
    for (let i = 0; i < s.length; i++)
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    if (ascii) {
      this.varint(s.length);
      for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
      return;
    }
    const bytes = encoder.encode(s);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  string(field: number, s: string | undefined): this {
    if (!s) return this;
    this.tag(field, 2);
    this.bytesOfString(s);
    return this;
  }

  /** A repeated string element: written even when empty. */
  stringElement(field: number, s: string): this {
    this.tag(field, 2);
    this.bytesOfString(s);
    return this;
  }

  bool(field: number, v: boolean | undefined): this {
    if (!v) return this;
    this.tag(field, 0);
    this.varint(1);
    return this;
  }

  int64(field: number, v: number | undefined): this {
    if (v === undefined || v === 0) return this;
    this.tag(field, 0);
    this.varint(Math.trunc(v));
    return this;
  }

  double(field: number, v: number | undefined): this {
    if (v === undefined || v === 0) return this;
    this.tag(field, 1);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).setFloat64(0, v, true);
    this.pos += 8;
    return this;
  }

  message(field: number, w: PbWriter): this {
    this.tag(field, 2);
    this.varint(w.pos);
    this.ensure(w.pos);
    this.buf.set(w.buf.subarray(0, w.pos), this.pos);
    this.pos += w.pos;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
