export {
  containerdConfig,
  containerdPaths,
  defaultCniConfDir,
  DEFAULT_CNI_BIN_DIR,
  normalizeEndpoint,
  parseContainerdVersion,
  registryHostsFiles,
  supportedContainerdVersion,
  type ContainerdConfigOptions,
  type ContainerdPaths,
  type RegistriesConfig,
  type RegistryHostConfig,
} from './config.js';
export { containerdVersion, hasCapSysResource, isOurContainerd, startContainerd, type RunningContainerd, type StartContainerdOptions } from './process.js';
