/**
 * apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision.
 *
 * Scale subresources (Deployment, ReplicaSet, StatefulSet): the ScaleDef's `labelSelectorPath`
 * points at `.spec.selector`, a metav1.LabelSelector object, not a string. The apiserver must
 * render it with `scaleSelector(obj)` (LabelSelectorAsSelector(...).String()) for the autoscaling/v1
 * Scale's `status.selector`.
 */
import type { ResourceDef } from '../../types.js';
import { deployment, replicaSet } from './deployment.js';
import { statefulSet, daemonSet } from './statefulset.js';
import { controllerRevision } from './controller-revision.js';

export * from './deployment.js';
export * from './statefulset.js';
export * from './controller-revision.js';
export { scaleSelector, goLabelSelector, podNameWarnings, templateWarnings, workloadWarnings, containerCells, validateTemplateForReplicaSet, validateTemplateMatchesSelector, validateWorkloadSelector, validateSelectorImmutable } from './common.js';
export * as schemas from './schema.js';

export const resources: ResourceDef[] = [deployment, replicaSet, statefulSet, daemonSet, controllerRevision];
