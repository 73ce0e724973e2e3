/**
 * DefaultTolerationSeconds admission (upstream plugin): every new pod tolerates
 * node.kubernetes.io/not-ready and node.kubernetes.io/unreachable (NoExecute) for 300 s unless it
 * says otherwise, so taint-based eviction waits five minutes for a node to come back.
 */
import type { AdmissionPlugin } from '../types.js';
import { defaultTolerations } from '../../../controllers/node-lifecycle/reconcile.js';
import type { V1Pod } from '../../../api/core/v1/index.js';

export function createDefaultTolerationSeconds(seconds = 300): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    admit(req) {
      if (req.operation !== 'CREATE' || req.def.group !== '' || req.def.plural !== 'pods' || req.subresource || !req.object) return;
      const pod = defaultTolerations(req.object as unknown as V1Pod, seconds);
      (req.object as unknown as V1Pod).spec = pod.spec;
    },
  };
}
