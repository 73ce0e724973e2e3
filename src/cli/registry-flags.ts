/**
 * `--private-registry FILE` and `--disable-default-registry-endpoint`, shared by `flotilla agent`
 * and `flotilla server` (k3s' flags for both).
 */
import type { RegistriesConfig } from '../agent/runtime/containerd/config.js';
import { DEFAULT_PRIVATE_REGISTRY, RegistriesFileError, loadRegistriesFile } from '../agent/runtime/registries-file.js';
import { UsageError } from './flags.js';

/**
 * The registries configuration of `--private-registry FILE` (k3s' flag; without it the default
 * file, only if it exists) and `--disable-default-registry-endpoint`, shared with `flotilla
 * server`. A missing named file or a bad one is a UsageError with the file's one-line message.
 */
export function registriesFromFlags(
  file: string | undefined,
  disableDefaultEndpoint: boolean,
  readFile: (path: string) => string,
  command: string,
): { registries?: RegistriesConfig; warnings: string[] } {
  let loaded;
  try {
    loaded = loadRegistriesFile(file ?? DEFAULT_PRIVATE_REGISTRY, file !== undefined, readFile);
  } catch (e) {
    if (e instanceof RegistriesFileError) throw new UsageError(`--private-registry: ${e.message}`, command);
    throw e;
  }
  const registries: RegistriesConfig | undefined = loaded || disableDefaultEndpoint ? { ...loaded?.config, ...(disableDefaultEndpoint ? { disableDefaultEndpoint: true } : {}) } : undefined;
  return { ...(registries ? { registries } : {}), warnings: loaded?.warnings ?? [] };
}
