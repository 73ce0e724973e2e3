/** NodeName: a pod with spec.nodeName set fits only that node (upstream's nodename plugin). */
import { type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeInfo, type PodInfo, SUCCESS, type Status, unresolvable } from '../../framework/index.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";
const REJECT = unresolvable(ERR_REASON);

export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status {
    const want = pod.pod.spec?.nodeName;
    return !want || want === node.name ? SUCCESS : REJECT;
  }
  events(): readonly ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }];
  }
}
