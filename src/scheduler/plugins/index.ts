/**
 * The in-tree plugins and upstream's default profile (plugin order = Filter order, which decides
 * the reason a node reports; score weights as in kube-scheduler's default configuration).
 */
import { Framework, type FrameworkOptions, type PluginConfig } from '../framework/index.js';
import { NodeName } from './node-name/index.js';
import { NodeUnschedulable } from './node-unschedulable/index.js';
import { TaintToleration } from './taint-toleration/index.js';
import { NodeAffinity } from './node-affinity/index.js';
import { NodePorts } from './node-ports/index.js';
import { NodeResourcesBalancedAllocation, NodeResourcesFit } from './node-resources/index.js';
import { PodTopologySpread } from './pod-topology-spread/index.js';
import { InterPodAffinity } from './inter-pod-affinity/index.js';
import { DefaultPreemption } from './default-preemption/index.js';

export { NodeName, NodeUnschedulable, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, NodeResourcesBalancedAllocation, PodTopologySpread, InterPodAffinity, DefaultPreemption };
export { disruptionBudgetOf } from './default-preemption/index.js';

/** The default profile's plugins with their score weights. */
export function defaultPlugins(): PluginConfig[] {
  return [
    { plugin: new NodeUnschedulable() },
    { plugin: new NodeName() },
    { plugin: new TaintToleration(), weight: 3 },
    { plugin: new NodeAffinity(), weight: 2 },
    { plugin: new NodePorts() },
    { plugin: new NodeResourcesFit(), weight: 1 },
    { plugin: new PodTopologySpread(), weight: 2 },
    { plugin: new InterPodAffinity(), weight: 2 },
    { plugin: new DefaultPreemption() },
    { plugin: new NodeResourcesBalancedAllocation(), weight: 1 },
  ];
}

/** A Framework running the default profile, plus `extra` plugins (e.g. the I/O layer's binder). */
export function defaultFramework(opts: FrameworkOptions = {}, extra: PluginConfig[] = []): Framework {
  return new Framework([...defaultPlugins(), ...extra], opts);
}
