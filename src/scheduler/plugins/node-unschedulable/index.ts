/**
 * NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating the
 * `node.kubernetes.io/unschedulable:NoSchedule` taint (upstream's nodeunschedulable plugin).
 */
import { type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeInfo, type PodInfo, SUCCESS, type Status, type Taint, toleratesTaint, unresolvable } from '../../framework/index.js';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' };
const REJECT = unresolvable(ERR_REASON_UNSCHEDULABLE);

export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status {
    if (!node.unschedulable) return SUCCESS;
    return pod.tolerations.some((t) => toleratesTaint(t, TAINT)) ? SUCCESS : REJECT;
  }
  events(): readonly ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
}
