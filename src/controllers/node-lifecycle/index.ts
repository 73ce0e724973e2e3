/** Node lifecycle: node health, condition taints and taint-based eviction (see README.md). */
export { NodeLifecycleController, newNodeLifecycleController, nodeView, type NodeLifecycleControllerOptions } from './controller.js';
export {
  defaultTolerations,
  reconcileNodeHealth,
  observeHealth,
  desiredTaints,
  taintEviction,
  evictionStart,
  tolerates,
  DEFAULT_LIFECYCLE_CONFIG,
  DEFAULT_TOLERATION_SECONDS,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  type LifecycleConfig,
  type NodeHealth,
  type NodeView,
  type Taint,
  type EvictionDecision,
} from './reconcile.js';
