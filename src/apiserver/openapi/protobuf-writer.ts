/**
 * A minimal protobuf wire-format writer (proto3 semantics: empty strings, false and 0 are omitted;
 * embedded messages are written whenever the caller asks). A writer keeps its bytes as a list of
 * sealed chunks plus the chunk being written: embedding a finished child appends the child's
 * chunks by reference, so deep nesting (a Swagger document is a dozen levels deep) copies every
 * byte once, in finish(), not once per level. A child must not be written to after it is embedded.
 */
const encoder = new TextEncoder();
const NONE = new Uint8Array(0);

export class PbWriter {
  private parts: Uint8Array[] = [];
  /** Bytes in `parts`. */
  private sealed = 0;
  /** Allocated on first write (most writers are small, and there are thousands of them). */
  private buf = NONE;
  /** First byte of `buf` not yet in `parts`. */
  private start = 0;
  private pos = 0;

  get length(): number {
    return this.sealed + this.pos - this.start;
  }

  private seal(): void {
    if (this.pos === this.start) return;
    this.parts.push(this.buf.subarray(this.start, this.pos));
    this.sealed += this.pos - this.start;
    this.start = this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.seal();
    this.buf = new Uint8Array(this.buf === NONE ? Math.max(64, n) : Math.max(1024, n * 2));
    this.start = this.pos = 0;
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
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
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
    this.varint(w.length);
    this.seal();
    w.seal();
    for (const p of w.parts) this.parts.push(p);
    this.sealed += w.sealed;
    return this;
  }

  finish(): Uint8Array {
    this.seal();
    const out = new Uint8Array(this.sealed);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
