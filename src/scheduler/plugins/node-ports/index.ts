/** NodePorts: host ports a pod asks for must be free on the node (upstream's nodeports plugin). */
import { type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeInfo, type PodInfo, SUCCESS, type Status, unschedulable } from '../../framework/index.js';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";
const REJECT = unschedulable(ERR_REASON);

export class NodePorts implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status {
    if (pod.hostPorts.length === 0 || node.usedPorts.size === 0) return SUCCESS;
    for (const hp of pod.hostPorts) if (node.portConflict(hp)) return REJECT;
    return SUCCESS;
  }
  events(): readonly ClusterEvent[] {
    return [{ resource: 'Pod', action: 'Delete' }, { resource: 'Node', action: 'Add' }];
  }
}
