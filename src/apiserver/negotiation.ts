/**
 * Content negotiation. Pure: parses Accept / Content-Type and decides what to answer.
 * We always answer JSON (or YAML when asked only for YAML); protobuf is accepted in Accept but
 * answered as JSON with `Content-Type: application/json`, which every client tolerates (COMPAT.md).
 */
export interface MediaType {
  type: string; // e.g. application/json
  params: Record<string, string>;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  const out: MediaType[] = [];
  for (const part of header.split(',')) {
    const [typ, ...params] = part.split(';').map((p) => p.trim());
    if (!typ) continue;
    const mt: MediaType = { type: typ.toLowerCase(), params: {} };
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq > 0) mt.params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    out.push(mt);
  }
  return out;
}

export type OutputKind =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partial'; version: 'v1' | 'v1beta1'; list: boolean };

const JSONISH = new Set(['application/json', 'application/*', '*/*', 'application/vnd.kubernetes.protobuf', 'application/json;stream=watch']);

/**
 * Chooses the representation for an object or list response. Returns undefined when nothing the
 * client accepts can be produced (→ 406).
 */
export function chooseOutput(accept: string | undefined): OutputKind | undefined {
  const types = parseMediaTypes(accept);
  if (types.length === 0) return { kind: 'json' };
  for (const t of types) {
    const as = t.params['as'];
    if (as) {
      const g = t.params['g'];
      const v = t.params['v'];
      if (g !== 'meta.k8s.io' || (v !== 'v1' && v !== 'v1beta1')) continue;
      if (t.type !== 'application/json' && t.type !== 'application/vnd.kubernetes.protobuf') continue;
      if (as === 'Table') return { kind: 'table', version: v };
      if (as === 'PartialObjectMetadata') return { kind: 'partial', version: v, list: false };
      if (as === 'PartialObjectMetadataList') return { kind: 'partial', version: v, list: true };
      continue;
    }
    if (t.type === 'application/yaml') return { kind: 'yaml' };
    if (JSONISH.has(t.type) || t.type === 'application/vnd.kubernetes.protobuf;stream=watch') return { kind: 'json' };
  }
  return undefined;
}

export type DiscoveryKind = 'v2' | 'v2beta1' | 'legacy';

/** Aggregated discovery is used only when the client asks for it (kubectl 1.27+). */
export function chooseDiscovery(accept: string | undefined): DiscoveryKind {
  for (const t of parseMediaTypes(accept)) {
    if (t.params['g'] === 'apidiscovery.k8s.io' && t.params['as'] === 'APIGroupDiscoveryList') {
      if (t.params['v'] === 'v2') return 'v2';
      if (t.params['v'] === 'v2beta1') return 'v2beta1';
    }
    if (t.type === 'application/json' || t.type === '*/*' || t.type === 'application/vnd.kubernetes.protobuf') {
      if (!t.params['as']) return 'legacy';
    }
  }
  return 'legacy';
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/**
 * The encoding of a request body by its Content-Type (parameters ignored; none or JSON → json).
 * `protobuf` bodies are decoded by api/protobuf into the same JSON object (decode.ts); answers
 * stay JSON whatever the Accept header asks, with `Content-Type: application/json`.
 */
export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  const t = parseMediaTypes(contentType)[0]?.type;
  if (t === undefined || t === 'application/json') return 'json';
  if (t === 'application/yaml' || t === 'application/x-yaml' || t === 'text/yaml') return 'yaml';
  if (t === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  return undefined;
}

export function patchType(contentType: string | undefined): PatchType | undefined {
  switch (parseMediaTypes(contentType)[0]?.type) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      return 'apply';
    default:
      return undefined;
  }
}
