/** PodGC: force-deletes terminated surplus, orphaned and stuck terminating pods (see README.md). */
export { PodGcController, newPodGcController, POD_GC_CONTROLLER_NAME, type PodGcControllerOptions, type GcPassResult } from './controller.js';
export {
  planPodGc,
  advanceQuarantine,
  gcTerminated,
  gcTerminating,
  gcOrphaned,
  gcUnscheduledTerminating,
  compareForDeletion,
  isTerminated,
  isEvicted,
  orphanedCondition,
  DEFAULT_TERMINATED_POD_GC_THRESHOLD,
  DEFAULT_GC_PERIOD_MS,
  DEFAULT_QUARANTINE_MS,
  TAINT_OUT_OF_SERVICE,
  type GcAction,
  type GcReason,
  type PodGcConfig,
  type PodGcInput,
  type Quarantine,
  type FailedStatusPatch,
} from './reconcile.js';
