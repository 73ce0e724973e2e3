/**
 * PATCH bodies applied to the current object: JSON patch, merge patch and strategic merge patch
 * (merge keys and strategies from the kind's schema). Errors become upstream's Status answers.
 */
import type { KubeObject, ResourceDef } from '../api/types.js';
import type { PatchType } from './negotiation.js';
import { ApiError, badRequest } from '../lib/errors.js';
import { applyJsonPatch, applyMergePatchToObject, applyStrategicMergePatch, isPatchError, type JsonObject, type JsonValue } from '../lib/patch/index.js';
import { patchMetaFromSchema } from '../api/schema/patch-meta.js';

/**
 * Returns the patched object (a new value). `def` undefined: no schema (strategic behaves as merge).
 * @throws ApiError 400 for malformed patches, 422 for patches that do not apply.
 */
export function applyPatch(type: Exclude<PatchType, 'apply'>, current: KubeObject, patchText: string, def: ResourceDef | undefined): KubeObject {
  let patch: JsonValue;
  try {
    patch = JSON.parse(patchText) as JsonValue;
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
  try {
    const doc = current as unknown as JsonValue;
    switch (type) {
      case 'json':
        return applyJsonPatch(doc, patch) as unknown as KubeObject;
      case 'merge':
        return applyMergePatchToObject(current as unknown as JsonObject, patch) as unknown as KubeObject;
      case 'strategic':
        return applyStrategicMergePatch(doc, patch, def ? patchMetaFromSchema(def.schema) : undefined) as unknown as KubeObject;
    }
  } catch (e) {
    if (isPatchError(e)) {
      // Upstream answers some malformed strategic patches (an item without its merge key...) with a
      // bare 500; the patch is the client's mistake, so we answer 422 with the same text.
      if (e.reason === 'InternalError')
        throw new ApiError('Invalid', 422, e.message, { causes: [{ reason: 'UnexpectedServerResponse', message: e.message }] });
      throw e.toApiError();
    }
    throw e;
  }
}
