/** The core/v1 PersistentVolume and PersistentVolumeClaim resources. */
import { s, type Schema } from '../../schema/index.js';
import { Time, kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../../types.js';
import { NodeSelector, ObjectReference, ResourceList, SecretReference } from './common-schema.js';
import { HostPathVolumeSource, NFSVolumeSource, PersistentVolumeClaimSpec, VolumeSourceFields } from './pod-schema.js';
import type { ResourceListView, V1NodeSelectorTerm, V1PersistentVolumeClaimSpec } from './pod-types.js';
import { defaultPersistentVolumeClaimSpec } from './pod-defaults.js';
import { validateNodeSelectorTerm } from './pod-validation.js';
import { ACCESS_MODES, VOLUME_MODES, validatePersistentVolumeClaimSpec } from './pvc-validation.js';
import { canonicalizeResourceList } from './quantities.js';
import { parseResourceList, readQuantity, validateResourceQuantityValue } from './resources-validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './table-util.js';
import {
  type Errs,
  FieldPath,
  arr,
  forbidden,
  invalid,
  msgs,
  nameIsDNSSubdomain,
  notSupported,
  required,
  validatePathNoBacksteps,
} from './validation-util.js';

const CORE = 'io.k8s.api.core.v1';

const CSIPersistentVolumeSource = s.object(
  {
    driver: s.string({ description: 'The name of the driver to use for this volume.' }),
    volumeHandle: s.string({ description: 'The unique volume name returned by the CSI volume plugin’s CreateVolume.' }),
    readOnly: s.bool(),
    fsType: s.string(),
    volumeAttributes: s.map(s.string()),
    controllerPublishSecretRef: SecretReference,
    nodeStageSecretRef: SecretReference,
    nodePublishSecretRef: SecretReference,
    controllerExpandSecretRef: SecretReference,
    nodeExpandSecretRef: SecretReference,
  },
  { id: `${CORE}.CSIPersistentVolumeSource`, required: ['driver', 'volumeHandle'] },
);

const LocalVolumeSource = s.object(
  { path: s.string({ description: 'The full path to the volume on the node.' }), fsType: s.string() },
  { id: `${CORE}.LocalVolumeSource`, required: ['path'] },
);

const LEGACY_PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker', 'flexVolume',
  'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
];

const pvSourceFields: Record<string, Schema> = {
  hostPath: HostPathVolumeSource,
  nfs: NFSVolumeSource,
  csi: CSIPersistentVolumeSource,
  local: LocalVolumeSource,
  ...Object.fromEntries(LEGACY_PV_SOURCES.map((k) => [k, s.looseObject({}, { description: VolumeSourceFields[k]?.description })])),
};

export const PersistentVolumeSchema = kindSchema(
  `${CORE}.PersistentVolume`,
  { group: '', version: 'v1', kind: 'PersistentVolume' },
  {
    spec: s.object(
      {
        capacity: { ...ResourceList, description: "The persistent volume's resources and capacity." },
        ...pvSourceFields,
        accessModes: s.array(s.string(), { listType: 'atomic', description: 'All ways the volume can be mounted.' }),
        claimRef: granularObjectReference(),
        persistentVolumeReclaimPolicy: s.string({ enum: ['Delete', 'Recycle', 'Retain'], description: 'What happens to a persistent volume when released from its claim: Retain (default), Delete, Recycle.' }),
        storageClassName: s.string({ description: 'Name of StorageClass to which this persistent volume belongs.' }),
        mountOptions: s.array(s.string(), { listType: 'atomic' }),
        volumeMode: s.string({ enum: ['Block', 'Filesystem'], description: 'Block or Filesystem (default).' }),
        nodeAffinity: s.object({ required: NodeSelector }, { id: `${CORE}.VolumeNodeAffinity` }),
        volumeAttributesClassName: s.string(),
      },
      { id: `${CORE}.PersistentVolumeSpec`, description: 'Spec defines a specification of a persistent volume owned by the cluster.' },
    ),
    status: s.object(
      {
        phase: s.string({ enum: ['Available', 'Bound', 'Failed', 'Pending', 'Released'], description: 'Pending, Available, Bound, Released, Failed.' }),
        message: s.string(),
        reason: s.string(),
        lastPhaseTransitionTime: Time,
      },
      { id: `${CORE}.PersistentVolumeStatus`, description: 'Status represents the current information/status for the persistent volume.' },
    ),
  },
  {},
);

export const PersistentVolumeClaimSchema = kindSchema(
  `${CORE}.PersistentVolumeClaim`,
  { group: '', version: 'v1', kind: 'PersistentVolumeClaim' },
  {
    spec: { ...PersistentVolumeClaimSpec, description: 'The desired characteristics of a volume requested by a pod author.' },
    status: s.object(
      {
        phase: s.string({ enum: ['Bound', 'Lost', 'Pending'], description: 'Pending, Bound, Lost.' }),
        accessModes: s.array(s.string(), { listType: 'atomic' }),
        capacity: ResourceList,
        conditions: s.array(
          s.object(
            { type: s.string(), status: s.string(), lastProbeTime: Time, lastTransitionTime: Time, reason: s.string(), message: s.string() },
            { id: `${CORE}.PersistentVolumeClaimCondition`, required: ['type', 'status'] },
          ),
          { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] },
        ),
        allocatedResources: ResourceList,
        allocatedResourceStatuses: s.map(s.string(), { 'x-kubernetes-map-type': 'granular' }),
        currentVolumeAttributesClassName: s.string(),
        modifyVolumeStatus: s.object({ targetVolumeAttributesClassName: s.string(), status: s.string() }, { id: `${CORE}.ModifyVolumeStatus`, required: ['status'] }),
      },
      { id: `${CORE}.PersistentVolumeClaimStatus`, description: 'The current information/status of a persistent volume claim.' },
    ),
  },
  { description: "PersistentVolumeClaim is a user's request for and claim to a persistent volume." },
);


/** PV claimRef: an ObjectReference that server-side apply treats as granular (inline, no shared id). */
function granularObjectReference(): Schema {
  const { id: _id, ...rest } = ObjectReference;
  return { ...rest, 'x-kubernetes-map-type': 'granular', description: 'Part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.' };
}

// ------------------------------------------------------------------ views

interface V1PersistentVolume extends KubeObject {
  spec?: {
    capacity?: ResourceListView;
    accessModes?: string[];
    claimRef?: { namespace?: string; name?: string };
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    volumeMode?: string;
    volumeAttributesClassName?: string;
    nodeAffinity?: { required?: { nodeSelectorTerms?: V1NodeSelectorTerm[] } };
    hostPath?: { path?: string; type?: string };
    nfs?: { server?: string; path?: string };
    csi?: { driver?: string; volumeHandle?: string };
    local?: { path?: string };
    [source: string]: unknown;
  };
  status?: { phase?: string; reason?: string; message?: string; lastPhaseTransitionTime?: string };
}
interface V1PersistentVolumeClaim extends KubeObject {
  spec?: V1PersistentVolumeClaimSpec;
  status?: { phase?: string; accessModes?: string[]; capacity?: ResourceListView };
}
const asPV = (o: KubeObject) => o as V1PersistentVolume;
const asPVC = (o: KubeObject) => o as V1PersistentVolumeClaim;

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
export function accessModesString(modes: string[] | undefined): string {
  const m = new Set(arr(modes));
  const out: string[] = [];
  if (m.has('ReadWriteOnce')) out.push('RWO');
  if (m.has('ReadOnlyMany')) out.push('ROX');
  if (m.has('ReadWriteMany')) out.push('RWX');
  if (m.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

// ------------------------------------------------------------------ PV validation

const PV_SOURCES = ['hostPath', 'nfs', 'csi', 'local', ...LEGACY_PV_SOURCES];

/** ValidatePersistentVolume (minus generic metadata). */
export function validatePersistentVolume(pv: V1PersistentVolume): Errs {
  const errs: Errs = [];
  const spec = pv.spec ?? {};
  const sp = FieldPath.root('spec');
  const modes = arr(spec.accessModes);
  if (modes.length === 0) errs.push(required(sp.child('accessModes'), ''));
  for (const m of modes) if (!ACCESS_MODES.includes(m)) errs.push(notSupported(sp.child('accessModes'), m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1)
    errs.push(forbidden(sp.child('accessModes'), 'may not use ReadWriteOncePod with other access modes'));
  const cap = spec.capacity ?? {};
  const capKeys = Object.keys(cap);
  if (capKeys.length === 0) errs.push(required(sp.child('capacity'), ''));
  else if (!('storage' in cap) || capKeys.length > 1) errs.push(notSupported(sp.child('capacity'), capKeys, ['storage']));
  for (const [k, v] of Object.entries(cap)) {
    const q = readQuantity(v, sp.child('capacity').key(k), errs);
    if (q) errs.push(...validateResourceQuantityValue(k, q, sp.child('capacity').key(k)));
  }
  const policy = spec.persistentVolumeReclaimPolicy ?? '';
  if (policy && !['Delete', 'Recycle', 'Retain'].includes(policy))
    errs.push(notSupported(sp.child('persistentVolumeReclaimPolicy'), policy, ['Delete', 'Recycle', 'Retain']));
  if (spec.storageClassName) errs.push(...msgs(sp.child('storageClassName'), spec.storageClassName, nameIsDNSSubdomain(spec.storageClassName, false)));
  if (spec.volumeMode != null && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(notSupported(sp.child('volumeMode'), spec.volumeMode, VOLUME_MODES));
  let n = 0;
  for (const k of PV_SOURCES) {
    if (spec[k] == null) continue;
    if (n++ > 0) {
      errs.push(forbidden(sp.child(k), 'may not specify more than 1 volume type'));
      continue;
    }
    const kp = sp.child(k);
    if (k === 'hostPath') {
      if (!spec.hostPath!.path) errs.push(required(kp.child('path'), ''));
      else errs.push(...validatePathNoBacksteps(spec.hostPath!.path, kp.child('path')));
    } else if (k === 'nfs') {
      if (!spec.nfs!.server) errs.push(required(kp.child('server'), ''));
      if (!spec.nfs!.path) errs.push(required(kp.child('path'), ''));
      else if (!spec.nfs!.path.startsWith('/')) errs.push(invalid(kp.child('path'), spec.nfs!.path, 'must be an absolute path'));
    } else if (k === 'csi') {
      if (!spec.csi!.driver) errs.push(required(kp.child('driver'), ''));
      if (!spec.csi!.volumeHandle) errs.push(required(kp.child('volumeHandle'), ''));
    } else if (k === 'local') {
      if (!spec.local!.path) errs.push(required(kp.child('path'), ''));
      else errs.push(...validatePathNoBacksteps(spec.local!.path, kp.child('path')));
      if (!spec.nodeAffinity) errs.push(required(sp.child('nodeAffinity'), 'Local volume requires node affinity'));
    }
  }
  if (n === 0) errs.push(required(sp, 'must specify a volume type'));
  const terms = spec.nodeAffinity?.required?.nodeSelectorTerms;
  if (spec.nodeAffinity?.required) {
    const rp = sp.child('nodeAffinity').child('required');
    if (arr(terms).length === 0) errs.push(required(rp.child('nodeSelectorTerms'), 'must have at least one node selector term'));
    arr(terms).forEach((t, i) => errs.push(...validateNodeSelectorTerm(t, rp.child('nodeSelectorTerms').index(i))));
  }
  return errs;
}

/** ValidatePersistentVolumeUpdate: the volume source and volumeMode are immutable. */
export function validatePersistentVolumeUpdate(pv: V1PersistentVolume, old: V1PersistentVolume): Errs {
  const errs: Errs = [];
  const sp = FieldPath.root('spec');
  const src = (x: V1PersistentVolume) => JSON.stringify(PV_SOURCES.map((k) => x.spec?.[k] ?? null));
  if (src(pv) !== src(old)) errs.push(forbidden(sp.child('persistentvolumesource'), 'spec.persistentvolumesource is forbidden.'));
  if ((pv.spec?.volumeMode ?? '') !== (old.spec?.volumeMode ?? '')) errs.push(invalid(sp.child('volumeMode'), pv.spec?.volumeMode ?? '', 'field is immutable'));
  if (old.spec?.nodeAffinity && JSON.stringify(pv.spec?.nodeAffinity) !== JSON.stringify(old.spec.nodeAffinity))
    errs.push(invalid(sp.child('nodeAffinity'), pv.spec?.nodeAffinity ?? null, 'field is immutable'));
  return errs;
}

// ------------------------------------------------------------------ PVC validation

/** ValidatePersistentVolumeClaimUpdate: the spec is immutable except storage requests (grow only) and volumeAttributesClassName. */
export function validatePersistentVolumeClaimUpdate(pvc: V1PersistentVolumeClaim, old: V1PersistentVolumeClaim): Errs {
  const errs: Errs = [];
  const a: V1PersistentVolumeClaimSpec = structuredClone(pvc.spec ?? {});
  const b: V1PersistentVolumeClaimSpec = structuredClone(old.spec ?? {});
  // Binding sets volumeName once; requests may grow; the attributes class may change.
  if (!b.volumeName) b.volumeName = a.volumeName;
  const bound = old.status?.phase === 'Bound';
  if (bound) {
    a.resources = { ...(a.resources ?? {}), requests: b.resources?.requests };
  }
  a.volumeAttributesClassName = b.volumeAttributesClassName;
  if (JSON.stringify(a) !== JSON.stringify(b))
    errs.push(forbidden(FieldPath.root('spec'), 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  const newSize = parseResourceList(pvc.spec?.resources?.requests).get('storage');
  const oldSize = parseResourceList(old.spec?.resources?.requests).get('storage');
  if (bound && newSize && oldSize && newSize.cmp(oldSize) < 0)
    errs.push(forbidden(FieldPath.root('spec').child('resources').child('requests').child('storage'), 'field can not be less than previous value'));
  return errs;
}

export const persistentVolumeResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  schema: PersistentVolumeSchema,
  subresources: { status: true },
  generation: false,
  strategy: {
    defaults: (o) => {
      const pv = asPV(o);
      const spec = (pv.spec ??= {});
      if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain';
      if (!spec.volumeMode) spec.volumeMode = 'Filesystem';
      if (spec.hostPath && spec.hostPath.type == null) spec.hostPath.type = '';
      canonicalizeResourceList(spec.capacity);
      if (pv.status && !pv.status.phase) pv.status.phase = 'Pending';
    },
    prepareForCreate: (o, ctx: StrategyContext) => {
      asPV(o).status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(ctx.now) };
    },
    prepareForUpdate: (o, old, ctx) => {
      const pv = asPV(o);
      if (ctx.subresource === '') pv.status = asPV(old).status;
      else if (ctx.subresource === 'status' && pv.status?.phase !== asPV(old).status?.phase)
        pv.status = { ...(pv.status ?? {}), lastPhaseTransitionTime: rfc3339(ctx.now) };
    },
    validate: (o) => validatePersistentVolume(asPV(o)),
    validateUpdate: (o, old, ctx) => (ctx.subresource === '' ? validatePersistentVolumeUpdate(asPV(o), asPV(old)) : []),
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Capacity', 'string', 'The storage size of the volume.'),
      col('Access Modes', 'string', 'How the volume can be mounted (RWO, ROX, RWX, RWOP).'),
      col('Reclaim Policy', 'string', 'What happens to the volume once its claim is released.'),
      col('Status', 'string', 'The volume phase (Available, Bound, Released, Failed).'),
      col('Claim', 'string', 'The namespace/name of the claim bound to the volume.'),
      col('StorageClass', 'string', 'The storage class of the volume.'),
      col('VolumeAttributesClass', 'string', 'The volume attributes class of the volume.'),
      col('Reason', 'string', 'Why the volume is in its phase, if a reason is reported.'),
      AGE_COLUMN,
      col('VolumeMode', 'string', 'Filesystem or Block.', 1),
    ],
    cells(o, now) {
      const pv = asPV(o);
      const spec = pv.spec ?? {};
      const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
      const size = parseResourceList(spec.capacity).get('storage')?.toString() ?? '0';
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '';
      return [
        o.metadata.name ?? '',
        size,
        accessModesString(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? '',
        phase,
        claim,
        spec.storageClassName ?? '',
        spec.volumeAttributesClassName ?? '<unset>',
        pv.status?.reason ?? '',
        age(o, now),
        spec.volumeMode ?? '<unset>',
      ];
    },
  },
  fieldSelectors: { name: (o) => o.metadata.name ?? '' },
};

export const persistentVolumeClaimResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  schema: PersistentVolumeClaimSchema,
  subresources: { status: true },
  generation: false,
  strategy: {
    defaults: (o) => {
      const pvc = asPVC(o);
      defaultPersistentVolumeClaimSpec((pvc.spec ??= {}));
      if (pvc.status && !pvc.status.phase) pvc.status.phase = 'Pending';
      canonicalizeResourceList(pvc.status?.capacity);
    },
    prepareForCreate: (o) => {
      asPVC(o).status = { phase: 'Pending' };
    },
    prepareForUpdate: (o, old, ctx) => {
      if (ctx.subresource === '') asPVC(o).status = asPVC(old).status;
    },
    validate: (o) => validatePersistentVolumeClaimSpec(asPVC(o).spec ?? {}, FieldPath.root('spec')),
    validateUpdate: (o, old, ctx) => (ctx.subresource === '' ? validatePersistentVolumeClaimUpdate(asPVC(o), asPVC(old)) : []),
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Status', 'string', 'The claim phase (Pending, Bound, Lost).'),
      col('Volume', 'string', 'The name of the volume bound to the claim.'),
      col('Capacity', 'string', 'The storage size of the bound volume.'),
      col('Access Modes', 'string', 'How the bound volume can be mounted (RWO, ROX, RWX, RWOP).'),
      col('StorageClass', 'string', 'The storage class the claim asks for.'),
      col('VolumeAttributesClass', 'string', 'The volume attributes class the claim asks for.'),
      AGE_COLUMN,
      col('VolumeMode', 'string', 'Filesystem or Block.', 1),
    ],
    cells(o, now) {
      const pvc = asPVC(o);
      const spec = pvc.spec ?? {};
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '';
      let capacity = '';
      let modes = '';
      if (spec.volumeName) {
        modes = accessModesString(pvc.status?.accessModes);
        capacity = parseResourceList(pvc.status?.capacity).get('storage')?.toString() ?? '0';
      }
      return [
        o.metadata.name ?? '',
        phase,
        spec.volumeName ?? '',
        capacity,
        modes,
        spec.storageClassName ?? '',
        spec.volumeAttributesClassName || '<unset>',
        age(o, now),
        spec.volumeMode ?? '<unset>',
      ];
    },
  },
  fieldSelectors: { name: (o) => o.metadata.name ?? '' },
};
