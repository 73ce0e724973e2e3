/**
 * Upstream's SetDefaults_* for pods and pod templates (pkg/apis/core/v1/defaults.go plus the
 * generated defaulters that walk every nested struct). All functions mutate in place and are
 * idempotent: running them twice gives the same object as running them once.
 */
import { canonicalQuantityValue, canonicalizeResourceList } from './quantities.js';
import { zeroNullItems } from './nulls.js';
import { PodSpec as PodSpecSchema } from './pod-schema.js';
import type {
  V1Container,
  V1DownwardAPIVolumeFile,
  V1HTTPGetAction,
  V1ObjectFieldSelector,
  V1PersistentVolumeClaimSpec,
  V1Pod,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Probe,
  V1Volume,
} from './pod-types.js';

/** Default file mode of secret, configMap, downwardAPI and projected volumes (0644). */
export const DEFAULT_VOLUME_MODE = 0o644;

/**
 * SetDefaults_PodSpec and everything nested in a PodSpec: what a Pod *template* gets (Deployment,
 * Job...). Pod-only defaults (requests from limits, enableServiceLinks, host-network ports) are in
 * `defaultPod`, as upstream.
 */
export function defaultPodSpec(spec: V1PodSpec): void {
  zeroNullItems(spec, PodSpecSchema);
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (spec.securityContext == null) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds == null) spec.terminationGracePeriodSeconds = 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  // v1 conversion keeps the deprecated serviceAccount field in step with serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  canonicalizeResourceList(spec.overhead);
  canonicalizeResourceList(spec.resources?.limits);
  canonicalizeResourceList(spec.resources?.requests);
}

/** Defaults of a pod template (the spec plus nothing else: template metadata has no defaults). */
export function defaultPodTemplateSpec(tpl: V1PodTemplateSpec | undefined): void {
  if (!tpl) return;
  if (tpl.spec) defaultPodSpec(tpl.spec);
}

/**
 * SetDefaults_Pod on top of defaultPodSpec: requests default to limits for every resource that has
 * a limit but no request, enableServiceLinks defaults to true, and with hostNetwork every container
 * port's hostPort defaults to its containerPort.
 */
export function defaultPod(pod: V1Pod): void {
  if (!pod.spec) return;
  const spec = pod.spec;
  defaultPodSpec(spec);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const limits = c.resources?.limits;
    if (!limits || Object.keys(limits).length === 0) continue;
    const requests = (c.resources!.requests ??= {});
    for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
  }
  if (spec.enableServiceLinks == null) spec.enableServiceLinks = true;
  syncPodStatusIPs(pod);
  if (spec.hostNetwork) {
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])])
      for (const p of c.ports ?? []) if (!p.hostPort && p.containerPort) p.hostPort = p.containerPort;
  }
}

/**
 * The v1 conversion keeps the singular and plural IP fields in step: a writer that sets only
 * `podIP` (or `hostIP`) gets the list too, and the singular field always mirrors the list's first entry.
 */
export function syncPodStatusIPs(pod: V1Pod): void {
  const st = pod.status;
  if (!st) return;
  if (!(st.podIPs ?? []).length && st.podIP) st.podIPs = [{ ip: st.podIP }];
  else if ((st.podIPs ?? []).length && st.podIPs![0]!.ip) st.podIP = st.podIPs![0]!.ip;
  if (!(st.hostIPs ?? []).length && st.hostIP) st.hostIPs = [{ ip: st.hostIP }];
  else if ((st.hostIPs ?? []).length && st.hostIPs![0]!.ip) st.hostIP = st.hostIPs![0]!.ip;
}

/** SetDefaults_Container (also used for init and ephemeral containers). */
export function defaultContainer(c: V1Container): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  // ResourceRequirements is a struct upstream, so it always serialises (as `resources: {}`).
  if (c.resources == null) c.resources = {};
  canonicalizeResourceList(c.resources.limits);
  canonicalizeResourceList(c.resources.requests);
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const p of c.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) defaultFieldSelector(e.valueFrom.fieldRef);
    const rf = e.valueFrom?.resourceFieldRef;
    if (rf?.divisor != null) rf.divisor = canonicalQuantityValue(rf.divisor);
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (probe) defaultProbe(probe);
  if (c.lifecycle?.postStart?.httpGet) defaultHTTPGet(c.lifecycle.postStart.httpGet);
  if (c.lifecycle?.preStop?.httpGet) defaultHTTPGet(c.lifecycle.preStop.httpGet);
}

function defaultProbe(p: V1Probe): void {
  if (p.timeoutSeconds == null || p.timeoutSeconds === 0) p.timeoutSeconds = 1;
  if (p.periodSeconds == null || p.periodSeconds === 0) p.periodSeconds = 10;
  if (p.successThreshold == null || p.successThreshold === 0) p.successThreshold = 1;
  if (p.failureThreshold == null || p.failureThreshold === 0) p.failureThreshold = 3;
  if (p.httpGet) defaultHTTPGet(p.httpGet);
  if (p.grpc && p.grpc.service == null) p.grpc.service = '';
}

function defaultHTTPGet(h: V1HTTPGetAction): void {
  if (!h.path) h.path = '/';
  if (!h.scheme) h.scheme = 'HTTP';
}

function defaultFieldSelector(f: V1ObjectFieldSelector): void {
  if (!f.apiVersion) f.apiVersion = 'v1';
}

function defaultDownwardFiles(items: V1DownwardAPIVolumeFile[] | undefined): void {
  for (const i of items ?? []) {
    if (i.fieldRef) defaultFieldSelector(i.fieldRef);
    if (i.resourceFieldRef?.divisor != null) i.resourceFieldRef.divisor = canonicalQuantityValue(i.resourceFieldRef.divisor);
  }
}

/** Names of the volume-source fields a Volume may carry (exactly one must be set). */
export const VOLUME_SOURCE_NAMES: readonly string[] = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos',
  'csi', 'ephemeral', 'image',
];

/** SetDefaults_Volume and the per-source defaults. A volume without any source becomes an emptyDir. */
export function defaultVolume(v: V1Volume): void {
  if (!VOLUME_SOURCE_NAMES.some((k) => v[k] != null)) v.emptyDir = {};
  if (v.hostPath && v.hostPath.type == null) v.hostPath.type = '';
  if (v.emptyDir?.sizeLimit != null) v.emptyDir.sizeLimit = canonicalQuantityValue(v.emptyDir.sizeLimit);
  if (v.secret && v.secret.defaultMode == null) v.secret.defaultMode = DEFAULT_VOLUME_MODE;
  if (v.configMap && v.configMap.defaultMode == null) v.configMap.defaultMode = DEFAULT_VOLUME_MODE;
  if (v.downwardAPI) {
    if (v.downwardAPI.defaultMode == null) v.downwardAPI.defaultMode = DEFAULT_VOLUME_MODE;
    defaultDownwardFiles(v.downwardAPI.items);
  }
  if (v.projected) {
    if (v.projected.defaultMode == null) v.projected.defaultMode = DEFAULT_VOLUME_MODE;
    for (const src of v.projected.sources ?? []) {
      if (src.serviceAccountToken && src.serviceAccountToken.expirationSeconds == null) src.serviceAccountToken.expirationSeconds = 3600;
      if (src.downwardAPI) defaultDownwardFiles(src.downwardAPI.items);
    }
  }
  if (v.ephemeral?.volumeClaimTemplate?.spec) defaultPersistentVolumeClaimSpec(v.ephemeral.volumeClaimTemplate.spec);
}

/** SetDefaults_PersistentVolumeClaimSpec. */
export function defaultPersistentVolumeClaimSpec(spec: V1PersistentVolumeClaimSpec): void {
  if (!spec.volumeMode) spec.volumeMode = 'Filesystem';
  canonicalizeResourceList(spec.resources?.limits);
  canonicalizeResourceList(spec.resources?.requests);
}

/**
 * The tag of an image reference as upstream's parsers.ParseImageName sees it: the explicit tag,
 * `latest` when there is neither tag nor digest, '' for digest-only or unparseable references.
 */
export function imageTag(image: string): string {
  if (!image || image !== image.trim() || /\s/.test(image)) return '';
  let name = image;
  const at = name.indexOf('@');
  const hasDigest = at >= 0;
  if (hasDigest) name = name.slice(0, at);
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const repo = colon >= 0 ? name.slice(0, colon) : name;
  // The first component is a registry host when it looks like one; the rest must be lower case.
  const parts = repo.split('/');
  const path = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!) ? parts.slice(1) : parts;
  if (path.some((p) => p === '' || /[A-Z]/.test(p))) return '';
  if (colon >= 0) return name.slice(colon + 1);
  return hasDigest ? '' : 'latest';
}
