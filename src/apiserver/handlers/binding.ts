/**
 * Binding a pod to a node (the scheduler's write): POST pods/{name}/binding or POST bindings, as
 * upstream. Sets spec.nodeName and PodScheduled=True in one compare-and-swap write; a pod already
 * bound, being deleted or gated answers 409 Conflict. Bindings are never stored themselves.
 */
import type { KubeObject } from '../../api/types.js';
import { bindPod, validateBinding, type V1Binding } from '../../api/core/v1/index.js';
import { ApiError, badRequest, invalid } from '../../lib/errors.js';
import { fieldErrors } from '../../lib/field-error.js';
import { readBody, sendObject } from '../http-util.js';
import { parseBody } from '../decode.js';
import { successStatus } from '../status.js';
import type { ResourceStore } from '../registry/store.js';
import type { HandlerEnv, ResourceRequest } from './resource.js';

/** `podStore` is the pods store; `r.info.name` is the pod (subresource form) or '' (bindings form). */
export async function handleBinding(r: ResourceRequest, env: HandlerEnv, podStore: ResourceStore): Promise<void> {
  const body = await readBody(r.req);
  const { value } = parseBody(body, r.req.headers['content-type'], { apiVersion: 'v1', kind: 'Binding' });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('the object provided is not a Binding');
  const binding = value as V1Binding & { kind?: string; apiVersion?: string };
  if (binding.kind !== undefined && binding.kind !== 'Binding')
    throw badRequest(`the object provided is unrecognized (must be of type Binding): kind "${String(binding.kind)}" does not match`);
  binding.metadata ??= {};
  const podName = r.info.name || binding.metadata.name || '';
  if (r.info.name && binding.metadata.name && binding.metadata.name !== r.info.name)
    throw badRequest(`name in URL does not match name in Binding object`);
  if (!podName) throw invalid('', 'Binding', '', [fieldErrors.required('metadata.name', 'name or generateName is required')]);
  const errs = validateBinding(binding);
  if (errs.length) throw invalid('', 'Binding', podName, errs);
  const ctx = { now: env.now(), user: r.user, subresource: 'binding' };
  let refusal: string | undefined;
  await podStore
    .guaranteedUpdate(r.info.namespace, podName, undefined, { dryRun: r.query.has('dryRun'), raw: true }, ctx, (cur: KubeObject) => {
      refusal = bindPod(cur, binding, env.now());
      if (refusal) throw new BindingRefused(refusal);
      return cur;
    })
    .catch((e: unknown) => {
      if (e instanceof BindingRefused)
        throw new ApiError('Conflict', 409, `Operation cannot be fulfilled on pods/binding "${podName}": ${e.message}`, {
          name: podName,
          kind: 'pods/binding',
        });
      throw e;
    });
  sendObject(r.res, 201, { ...successStatus(), code: 201 });
}

class BindingRefused extends Error {}
