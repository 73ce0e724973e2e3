/**
 * Protobuf request bodies (`application/vnd.kubernetes.protobuf`): our own .proto schemas with
 * upstream's field numbers, and the decoder that turns a body into the JSON object a JSON client
 * would have sent. Pure: no I/O.
 */
export { decodeProtobufBody, PROTOBUF_MAGIC, formatDuration, formatMicroTime, formatTime } from './decode.js';
export type { GroupVersionKindRef, ProtobufDecodeResult } from './decode.js';
export { KIND_TABLE, messageFor, protoRoot } from './registry.js';
export type { KindTable } from './registry.js';
