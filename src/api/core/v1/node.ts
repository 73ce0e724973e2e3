/** The core/v1 Node resource. */
import { s } from '../../schema/index.js';
import { Time, kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { isValidLabelValue } from '../../validation/names.js';
import { ResourceList, Taint } from './common-schema.js';
import { validateTaintEffect } from './pod-validation.js';
import type { ResourceListView } from './pod-types.js';
import { canonicalizeResourceList } from './quantities.js';
import { readQuantity, validateResourceName, validateResourceQuantityValue } from './resources-validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './table-util.js';
import { FieldError } from '../../../lib/field-error.js';
import { type Errs, FieldPath, arr, forbidden, invalid, isIPv4, isIPv6, msgs, validateLabelName } from './validation-util.js';

const CORE = 'io.k8s.api.core.v1';

export const NodeSpec = s.object(
  {
    podCIDR: s.string({ description: 'The pod IP range assigned to the node.' }),
    podCIDRs: s.array(s.string(), { strategy: 'merge', listType: 'set', description: 'The IP ranges assigned to the node for pod IPs (one per family).' }),
    providerID: s.string({ description: 'ID of the node assigned by the cloud provider: <ProviderName>://<ProviderSpecificNodeID>.' }),
    unschedulable: s.bool({ description: 'Unschedulable controls node schedulability of new pods. Default false.' }),
    taints: s.array(Taint, { listType: 'atomic' }),
    configSource: s.looseObject({}, { id: `${CORE}.NodeConfigSource`, description: 'Deprecated: no longer used by the kubelet.' }),
    externalID: s.string(),
  },
  { id: `${CORE}.NodeSpec` },
);

const NodeCondition = s.object(
  {
    type: s.string({ description: 'Type of node condition: Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable.' }),
    status: s.string(),
    lastHeartbeatTime: Time,
    lastTransitionTime: Time,
    reason: s.string(),
    message: s.string(),
  },
  { id: `${CORE}.NodeCondition`, required: ['type', 'status'] },
);

const NodeAddress = s.object(
  { type: s.string(), address: s.string() },
  { id: `${CORE}.NodeAddress`, required: ['type', 'address'] },
);

export const NodeSystemInfo = s.object(
  {
    machineID: s.string(),
    systemUUID: s.string(),
    bootID: s.string(),
    kernelVersion: s.string({ description: "Kernel Version reported by the node from 'uname -r'." }),
    osImage: s.string({ description: 'OS Image reported by the node from /etc/os-release.' }),
    containerRuntimeVersion: s.string({ description: 'ContainerRuntime Version reported by the node (e.g. containerd://1.7.0).' }),
    kubeletVersion: s.string(),
    kubeProxyVersion: s.string(),
    operatingSystem: s.string(),
    architecture: s.string(),
    swap: s.object({ capacity: s.int64() }, { id: `${CORE}.NodeSwapStatus` }),
  },
  {
    id: `${CORE}.NodeSystemInfo`,
    required: ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture'],
  },
);

export const NodeStatus = s.object(
  {
    capacity: { ...ResourceList },
    allocatable: { ...ResourceList },
    phase: s.string({ description: 'Deprecated: NodePhase is the recently observed lifecycle phase of the node.' }),
    conditions: s.array(NodeCondition, { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] }),
    addresses: s.array(NodeAddress, { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] }),
    daemonEndpoints: s.object(
      { kubeletEndpoint: s.object({ Port: s.int32() }, { id: `${CORE}.DaemonEndpoint`, required: ['Port'] }) },
      { id: `${CORE}.NodeDaemonEndpoints` },
    ),
    nodeInfo: NodeSystemInfo,
    images: s.array(
      s.object({ names: s.array(s.string(), { listType: 'atomic' }), sizeBytes: s.int64() }, { id: `${CORE}.ContainerImage` }),
      { listType: 'atomic' },
    ),
    volumesInUse: s.array(s.string(), { listType: 'atomic' }),
    volumesAttached: s.array(s.object({ name: s.string(), devicePath: s.string() }, { id: `${CORE}.AttachedVolume`, required: ['name', 'devicePath'] }), {
      listType: 'atomic',
    }),
    config: s.looseObject({}, { id: `${CORE}.NodeConfigStatus` }),
    runtimeHandlers: s.array(
      s.object(
        { name: s.string(), features: s.object({ recursiveReadOnlyMounts: s.bool(), userNamespaces: s.bool() }, { id: `${CORE}.NodeRuntimeHandlerFeatures` }) },
        { id: `${CORE}.NodeRuntimeHandler` },
      ),
      { listType: 'atomic' },
    ),
    features: s.object({ supplementalGroupsPolicy: s.bool() }, { id: `${CORE}.NodeFeatures` }),
  },
  { id: `${CORE}.NodeStatus` },
);

export const NodeSchema = kindSchema(
  `${CORE}.Node`,
  { group: '', version: 'v1', kind: 'Node' },
  {
    spec: { ...NodeSpec },
    status: { ...NodeStatus },
  },
  {},
);

interface V1Taint { key?: string; value?: string; effect?: string; timeAdded?: string }
export interface V1Node extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[]; providerID?: string; unschedulable?: boolean; taints?: V1Taint[] };
  status?: {
    capacity?: ResourceListView;
    allocatable?: ResourceListView;
    conditions?: { type?: string; status?: string }[];
    addresses?: { type?: string; address?: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}
const asNode = (o: KubeObject) => o as V1Node;

function isCIDR(v: string): boolean {
  const [ip, bits, ...rest] = v.split('/');
  if (rest.length || !ip || !bits || !/^\d+$/.test(bits)) return false;
  return isIPv4(ip) ? Number(bits) <= 32 : isIPv6(ip) ? Number(bits) <= 128 : false;
}

/** validateNodeTaints: key syntax, value syntax, effect enum, unique (key, effect). */
export function validateNodeTaints(taints: V1Taint[], path: FieldPath): Errs {
  const errs: Errs = [];
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    const tp = path.index(i);
    errs.push(...validateLabelName(t.key ?? '', tp.child('key')));
    errs.push(...msgs(tp.child('value'), t.value ?? '', isValidLabelValue(t.value ?? '')));
    errs.push(...validateTaintEffect(t.effect ?? '', false, tp.child('effect')));
    const key = `${t.effect ?? ''}\u0000${t.key ?? ''}`;
    if (seen.has(key)) errs.push(new FieldError('FieldValueDuplicate', String(tp), t, 'taints must be unique by key and effect pair'));
    seen.add(key);
  });
  return errs;
}

function validateResourceList(list: ResourceListView | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  for (const [k, v] of Object.entries(list ?? {})) {
    const kp = path.key(k);
    errs.push(...validateResourceName(k, kp));
    const q = readQuantity(v, kp, errs);
    if (q) errs.push(...validateResourceQuantityValue(k, q, kp));
  }
  return errs;
}

/** ValidateNode (minus generic metadata). */
export function validateNode(node: V1Node): Errs {
  const errs: Errs = [];
  const sp = FieldPath.root('spec');
  errs.push(...validateNodeTaints(arr(node.spec?.taints), sp.child('taints')));
  const cidrs = arr(node.spec?.podCIDRs);
  cidrs.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(invalid(sp.child('podCIDRs').index(i), c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  if (cidrs.length > 2) errs.push(invalid(sp.child('podCIDRs'), cidrs, 'may specify no more than one CIDR for each IP family'));
  else if (cidrs.length === 2 && isIPv4(cidrs[0]!.split('/')[0]!) === isIPv4(cidrs[1]!.split('/')[0]!))
    errs.push(invalid(sp.child('podCIDRs'), cidrs, 'may specify no more than one CIDR for each IP family'));
  if (node.spec?.podCIDR && cidrs.length && cidrs[0] !== node.spec.podCIDR)
    errs.push(invalid(sp.child('podCIDR'), node.spec.podCIDR, 'must match the first entry of `podCIDRs`'));
  errs.push(...validateResourceList(node.status?.capacity, FieldPath.root('status').child('capacity')));
  errs.push(...validateResourceList(node.status?.allocatable, FieldPath.root('status').child('allocatable')));
  return errs;
}

/** ValidateNodeUpdate: podCIDRs and providerID may only go from empty to set. */
export function validateNodeUpdate(node: V1Node, old: V1Node): Errs {
  const errs: Errs = [];
  const oc = arr(old.spec?.podCIDRs);
  if (oc.length > 0 && JSON.stringify(arr(node.spec?.podCIDRs)) !== JSON.stringify(oc))
    errs.push(forbidden(FieldPath.root('spec').child('podCIDRs'), 'node updates may not change podCIDR except from "" to valid'));
  if (old.spec?.providerID && node.spec?.providerID !== old.spec.providerID)
    errs.push(forbidden(FieldPath.root('spec').child('providerID'), 'node updates may not change providerID except from "" to valid'));
  return errs;
}

/** findNodeRoles: `node-role.kubernetes.io/<role>` labels and the legacy `kubernetes.io/role` label, sorted. */
export function nodeRoles(node: KubeObject): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort();
}

/** The STATUS cell: Ready / NotReady / Unknown, plus SchedulingDisabled. */
export function nodeStatusString(node: V1Node): string {
  const status: string[] = [];
  const ready = arr(node.status?.conditions).find((c) => c.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function address(node: V1Node, type: string): string {
  return arr(node.status?.addresses).find((a) => a.type === type)?.address || '<none>';
}

export const nodeResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  schema: NodeSchema,
  subresources: { status: true },
  keepStatusOnCreate: true,
  generation: false,
  strategy: {
    defaults: (o) => {
      const spec = asNode(o).spec;
      if (spec?.podCIDR && !(spec.podCIDRs ?? []).length) spec.podCIDRs = [spec.podCIDR];
      else if (spec && !spec.podCIDR && (spec.podCIDRs ?? []).length) spec.podCIDR = spec.podCIDRs![0];
      const st = asNode(o).status;
      canonicalizeResourceList(st?.capacity);
      canonicalizeResourceList(st?.allocatable);
      if (st && st.allocatable == null && st.capacity != null) st.allocatable = { ...st.capacity };
    },
    prepareForUpdate: (o, old, ctx) => {
      if (ctx.subresource === '') asNode(o).status = asNode(old).status;
    },
    validate: (o) => validateNode(asNode(o)),
    validateUpdate: (o, old) => validateNodeUpdate(asNode(o), asNode(old)),
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Status', 'string', 'Ready, NotReady or Unknown, plus SchedulingDisabled when cordoned.'),
      col('Roles', 'string', 'The roles from the node-role.kubernetes.io labels.'),
      AGE_COLUMN,
      col('Version', 'string', 'The kubelet version.'),
      col('Internal-IP', 'string', "The node's internal address.", 1),
      col('External-IP', 'string', "The node's external address.", 1),
      col('OS-Image', 'string', 'The operating system the node reports.', 1),
      col('Kernel-Version', 'string', 'The kernel version the node reports.', 1),
      col('Container-Runtime', 'string', 'The container runtime and version the node reports.', 1),
    ],
    cells(o, now) {
      const node = asNode(o);
      const info = node.status?.nodeInfo ?? {};
      return [
        o.metadata.name ?? '',
        nodeStatusString(node),
        nodeRoles(o).join(',') || '<none>',
        age(o, now),
        info.kubeletVersion ?? '',
        address(node, 'InternalIP'),
        address(node, 'ExternalIP'),
        info.osImage || '<unknown>',
        info.kernelVersion || '<unknown>',
        info.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
  fieldSelectors: { 'spec.unschedulable': (o) => String(asNode(o).spec?.unschedulable === true) },
};
