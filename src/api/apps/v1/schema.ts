/** Schemas of apps/v1 (k8s.io/api/apps/v1 types.go). */
import { s, type Schema } from '../../schema/index.js';
import { LabelSelector, Time, kindSchema } from '../../meta/v1.js';
import { PodTemplateSpec } from '../../core/v1/index.js';
import { PersistentVolumeClaimInline } from '../shared/index.js';

const P = 'io.k8s.api.apps.v1';
const gvk = (kind: string) => ({ group: 'apps', version: 'v1', kind });

function conditionSchema(kind: string, withUpdateTime: boolean): Schema {
  return s.object(
    {
      type: s.string({ description: `Type of ${kind.toLowerCase()} condition.` }),
      status: s.string(),
      ...(withUpdateTime ? { lastUpdateTime: Time } : {}),
      lastTransitionTime: Time,
      reason: s.string(),
      message: s.string(),
    },
    { id: `${P}.${kind}Condition`, required: ['type', 'status'] },
  );
}

function conditions(kind: string, withUpdateTime = false): Schema {
  return s.array(conditionSchema(kind, withUpdateTime), {
    mergeKey: 'type',
    strategy: 'merge',
    listType: 'map',
    mapKeys: ['type'],
    description: `Represents the latest available observations of a ${kind.toLowerCase()}'s current state.`,
  });
}

const selector = (what: string) =>
  s.withOpts(LabelSelector, { description: `Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this ${what}. It must match the pod template's labels.` });

export const RollingUpdateDeployment = s.object(
  {
    maxUnavailable: s.intOrString({ description: 'The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.' }),
    maxSurge: s.intOrString({ description: 'The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.' }),
  },
  { id: `${P}.RollingUpdateDeployment` },
);

export const DeploymentStrategy = s.object(
  {
    type: s.string(),
    rollingUpdate: RollingUpdateDeployment,
  },
  { id: `${P}.DeploymentStrategy` },
);

export const DeploymentSpec = s.object(
  {
    replicas: s.int32(),
    selector: selector('deployment'),
    template: PodTemplateSpec,
    strategy: s.withOpts(DeploymentStrategy, { 'x-kubernetes-patch-strategy': 'retainKeys' }),
    minReadySeconds: s.int32({ description: 'Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.' }),
    revisionHistoryLimit: s.int32({ description: 'The number of old ReplicaSets to retain to allow rollback. Defaults to 10.' }),
    paused: s.bool(),
    progressDeadlineSeconds: s.int32({ description: 'The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s.' }),
  },
  { id: `${P}.DeploymentSpec`, required: ['selector', 'template'] },
);

export const DeploymentStatus = s.object(
  {
    observedGeneration: s.int64(),
    replicas: s.int32(),
    updatedReplicas: s.int32(),
    readyReplicas: s.int32(),
    availableReplicas: s.int32(),
    unavailableReplicas: s.int32(),
    terminatingReplicas: s.int32(),
    conditions: conditions('Deployment', true),
    collisionCount: s.int32({ description: 'Count of hash collisions for the Deployment, used to create a unique name for the newest ReplicaSet.' }),
  },
  { id: `${P}.DeploymentStatus` },
);

export const DeploymentSchema: Schema = kindSchema(`${P}.Deployment`, gvk('Deployment'), { spec: DeploymentSpec, status: DeploymentStatus }, {
});

export const ReplicaSetSpec = s.object(
  {
    replicas: s.int32({ description: 'Replicas is the number of desired pods. Defaults to 1.' }),
    minReadySeconds: s.int32(),
    selector: s.withOpts(LabelSelector, { description: 'Selector is a label query over pods that should match the replica count. It must match the pod template\'s labels.' }),
    template: PodTemplateSpec,
  },
  { id: `${P}.ReplicaSetSpec`, required: ['selector'] },
);

export const ReplicaSetStatus = s.object(
  {
    replicas: s.int32(),
    fullyLabeledReplicas: s.int32(),
    readyReplicas: s.int32(),
    availableReplicas: s.int32(),
    terminatingReplicas: s.int32(),
    observedGeneration: s.int64(),
    conditions: conditions('ReplicaSet'),
  },
  { id: `${P}.ReplicaSetStatus`, required: ['replicas'] },
);

export const ReplicaSetSchema: Schema = kindSchema(`${P}.ReplicaSet`, gvk('ReplicaSet'), { spec: ReplicaSetSpec, status: ReplicaSetStatus }, {
});

export const StatefulSetSpec = s.object(
  {
    replicas: s.int32({ description: 'replicas is the desired number of replicas of the given Template. Defaults to 1.' }),
    selector: LabelSelector,
    template: PodTemplateSpec,
    volumeClaimTemplates: s.array(PersistentVolumeClaimInline, { listType: 'atomic' }),
    serviceName: s.string(),
    podManagementPolicy: s.string({ description: 'podManagementPolicy controls how pods are created during initial scale up, when replacing pods on nodes, or when scaling down. Default OrderedReady.' }),
    updateStrategy: s.object(
      {
        type: s.string(),
        rollingUpdate: s.object(
          {
            partition: s.int32({ description: 'Partition indicates the ordinal at which the StatefulSet should be partitioned for updates. Default 0.' }),
            maxUnavailable: s.intOrString({ description: 'The maximum number of pods that can be unavailable during the update (alpha, MaxUnavailableStatefulSet).' }),
          },
          { id: `${P}.RollingUpdateStatefulSetStrategy` },
        ),
      },
      { id: `${P}.StatefulSetUpdateStrategy` },
    ),
    revisionHistoryLimit: s.int32({ description: 'revisionHistoryLimit is the maximum number of revisions that will be maintained in the StatefulSet\'s revision history. Defaults to 10.' }),
    minReadySeconds: s.int32(),
    persistentVolumeClaimRetentionPolicy: s.object(
      {
        whenDeleted: s.string({ description: 'WhenDeleted specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is deleted: Retain (default) or Delete.' }),
        whenScaled: s.string({ description: 'WhenScaled specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is scaled down: Retain (default) or Delete.' }),
      },
      { id: `${P}.StatefulSetPersistentVolumeClaimRetentionPolicy` },
    ),
    ordinals: s.object(
      { start: s.int32() },
      { id: `${P}.StatefulSetOrdinals` },
    ),
  },
  { id: `${P}.StatefulSetSpec`, required: ['selector', 'template'] },
);

export const StatefulSetStatus = s.object(
  {
    observedGeneration: s.int64(),
    replicas: s.int32(),
    readyReplicas: s.int32(),
    currentReplicas: s.int32(),
    updatedReplicas: s.int32(),
    currentRevision: s.string(),
    updateRevision: s.string(),
    collisionCount: s.int32(),
    conditions: conditions('StatefulSet'),
    availableReplicas: s.int32(),
  },
  { id: `${P}.StatefulSetStatus`, required: ['replicas'] },
);

export const StatefulSetSchema: Schema = kindSchema(`${P}.StatefulSet`, gvk('StatefulSet'), { spec: StatefulSetSpec, status: StatefulSetStatus }, {
});

export const DaemonSetSpec = s.object(
  {
    selector: s.withOpts(LabelSelector, { description: "A label query over pods that are managed by the daemon set. It must match the pod template's labels." }),
    template: s.withOpts(PodTemplateSpec, { description: 'An object that describes the pod that will be created. The only allowed template.spec.restartPolicy value is "Always".' }),
    updateStrategy: s.object(
      {
        type: s.string(),
        rollingUpdate: s.object(
          {
            maxUnavailable: s.intOrString({ description: 'The maximum number of DaemonSet pods that can be unavailable during the update. Default 1.' }),
            maxSurge: s.intOrString({ description: 'The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update. Default 0.' }),
          },
          { id: `${P}.RollingUpdateDaemonSet` },
        ),
      },
      { id: `${P}.DaemonSetUpdateStrategy` },
    ),
    minReadySeconds: s.int32(),
    revisionHistoryLimit: s.int32({ description: 'The number of old history to retain to allow rollback. Defaults to 10.' }),
  },
  { id: `${P}.DaemonSetSpec`, required: ['selector', 'template'] },
);

export const DaemonSetStatus = s.object(
  {
    currentNumberScheduled: s.int32(),
    numberMisscheduled: s.int32(),
    desiredNumberScheduled: s.int32(),
    numberReady: s.int32(),
    observedGeneration: s.int64(),
    updatedNumberScheduled: s.int32(),
    numberAvailable: s.int32(),
    numberUnavailable: s.int32(),
    collisionCount: s.int32(),
    conditions: conditions('DaemonSet'),
  },
  { id: `${P}.DaemonSetStatus`, required: ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'] },
);

export const DaemonSetSchema: Schema = kindSchema(`${P}.DaemonSet`, gvk('DaemonSet'), { spec: DaemonSetSpec, status: DaemonSetStatus }, {
});
