/** Pod volumes of the node agent (see README.md). */
export {
  createVolumeManager,
  systemMounter,
  type VolumeManager,
  type VolumeManagerOptions,
  type VolumeSources,
  type Mounter,
  type SetupResult,
  type FailedMount,
  type RefreshResult,
} from './manager.js';
export { prepareContainerMounts, safeMakeSubPath, safeMakeSubPathSync, type PrepareMountsOptions } from './container-files.js';
export { containerMounts, etcHostsContent, expandSubPathExpr, ETC_HOSTS_PATH, type ContainerMountOptions, type ContainerMountsPlan, type SubPathRequest } from './mounts.js';
export { writeAtomic, readCurrentVersion } from './atomic-writer.js';
export { planAtomicWrite, validatePayloadPath, DATA_DIR_NAME } from './atomic-plan.js';
export { checkHostPathType } from './host-path.js';
export { tokenNeedsRefresh, MAX_TOKEN_TTL_MS, type IssuedToken } from './token-rotation.js';
export { DEFAULT_MODE, type Payload, type FileProjection, type ConfigMapData, type SecretData } from './payload.js';
export { volumeDir, podDir, podVolumesDir, etcHostsPath, escapePluginName, volumeKind, pluginName, type VolumeKind } from './paths.js';
export {
  createPodVolumes,
  apiVolumeSources,
  DEFAULT_REFRESH_INTERVAL_MS,
  DEFAULT_CACHE_TTL_MS,
  type PodVolumesOptions,
  type AgentPodVolumes,
  type PodMounts,
  type ContainerMountContext,
} from './pod-volumes.js';
