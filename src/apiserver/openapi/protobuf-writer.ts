/**
 * A minimal protobuf wire-format writer (proto3 semantics: empty strings, false and 0 are omitted;
 * embedded messages are written whenever the caller asks). Embedded messages keep their parts
 * until `finish()`, so nesting does not copy bytes repeatedly.
 */
const encoder = new TextEncoder();

export class PbWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(n: number): void {
    const out: number[] = [];
    let v = n;
    if (v < 0) {
      // negative int64: two's complement in 10 bytes
      let big = BigInt.asUintN(64, BigInt(Math.trunc(v)));
      while (big >= 0x80n) {
        out.push(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      out.push(Number(big));
      this.push(Uint8Array.from(out));
      return;
    }
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, s: string | undefined): this {
    if (!s) return this;
    const b = encoder.encode(s);
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  /** A repeated string element: written even when empty. */
  stringElement(field: number, s: string): this {
    const b = encoder.encode(s);
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
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
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.push(b);
    return this;
  }

  message(field: number, w: PbWriter): this {
    this.tag(field, 2);
    this.varint(w.size);
    for (const p of w.parts) this.push(p);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
