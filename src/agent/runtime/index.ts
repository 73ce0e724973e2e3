/** The agent's container runtime: the CRI contract, the gRPC client and containerd as a child process. */
export * from './cri-types.js';
export * from './cri-errors.js';
export * from './cri/index.js';
export * from './containerd/index.js';
export { DEFAULT_PRIVATE_REGISTRY, RegistriesFileError, loadRegistriesFile, parseRegistriesYaml, type ParsedRegistries, type RegistriesFileErrorReason } from './registries-file.js';
