/**
 * Test helper: builds protobuf request bodies the way client-go does (magic + runtime.Unknown with
 * the object's message as `raw`). Values are given in proto shape (Time as {seconds}, IntOrString
 * as {type, intVal, strVal}, bytes as Uint8Array); explicitly given zero values are written, as
 * gogo writes every non-pointer field.
 */
import { PROTOBUF_MAGIC } from '../decode.js';
import { messageFor, protoRoot } from '../registry.js';

export function encodeMessage(fullName: string, value: Record<string, unknown>): Uint8Array {
  const t = protoRoot().lookupType(fullName);
  return t.encode(t.fromObject(value)).finish();
}

export function encodeObject(apiVersion: string, kind: string, value: Record<string, unknown>): Uint8Array {
  const t = messageFor(apiVersion, kind);
  if (!t) throw new Error(`no message for ${apiVersion} ${kind}`);
  return t.encode(t.fromObject(value)).finish();
}

export function envelope(raw: Uint8Array, typeMeta: { apiVersion?: string; kind?: string }, extra: { contentEncoding?: string; contentType?: string } = {}): Buffer {
  const unk = encodeMessage('k8s.io.apimachinery.pkg.runtime.Unknown', {
    typeMeta,
    raw,
    contentEncoding: extra.contentEncoding ?? '',
    contentType: extra.contentType ?? '',
  });
  return Buffer.concat([PROTOBUF_MAGIC, unk]);
}

/** A whole request body for an object. */
export function body(apiVersion: string, kind: string, value: Record<string, unknown>): Buffer {
  return envelope(encodeObject(apiVersion, kind, value), { apiVersion, kind });
}
