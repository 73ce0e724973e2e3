/**
 * Parsing of the `--storage-endpoint` setting: `sqlite://<path>` (relative or absolute) or a
 * comma-separated list of etcd client URLs `http(s)://host:port`. Pure: no I/O.
 */

/** A storage setting that cannot work; the message is one line meant for the operator. */
export class StorageConfigError extends Error {
  override readonly name = 'StorageConfigError';
  readonly reason = 'Invalid' as const;
}

export type ParsedEndpoint =
  | { kind: 'sqlite'; /** as written; relative paths are resolved by the caller */ path: string }
  | { kind: 'etcd'; endpoints: string[]; secure: boolean };

const USAGE = 'expected sqlite://<path> or http(s)://host:port[,http(s)://host:port...]';

export function parseEndpoint(endpoint: string): ParsedEndpoint {
  const e = endpoint.trim();
  if (e === '') throw new StorageConfigError(`empty storage endpoint: ${USAGE}`);
  if (e.startsWith('sqlite:')) {
    if (!e.startsWith('sqlite://')) throw new StorageConfigError(`invalid storage endpoint "${e}": write sqlite://<path>`);
    const path = e.slice('sqlite://'.length);
    if (path.includes('\0')) throw new StorageConfigError(`invalid storage endpoint "${e}": path contains a NUL byte`);
    return { kind: 'sqlite', path };
  }
  const parts = e.split(',').map((p) => p.trim());
  const endpoints: string[] = [];
  let scheme: string | undefined;
  for (const part of parts) {
    if (part === '') throw new StorageConfigError(`invalid storage endpoint "${e}": empty entry in the list`);
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new StorageConfigError(`invalid storage endpoint "${part}": ${USAGE}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new StorageConfigError(`invalid storage endpoint "${part}": unsupported scheme ${url.protocol.replace(/:$/, '')}, ${USAGE}`);
    }
    if (url.hostname === '') throw new StorageConfigError(`invalid storage endpoint "${part}": missing host`);
    if (url.port === '') throw new StorageConfigError(`invalid storage endpoint "${part}": missing port (etcd clients usually use 2379)`);
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
      throw new StorageConfigError(`invalid storage endpoint "${part}": only scheme, host and port are allowed`);
    }
    if (scheme !== undefined && scheme !== url.protocol) {
      throw new StorageConfigError(`invalid storage endpoint "${e}": do not mix http and https endpoints`);
    }
    scheme = url.protocol;
    endpoints.push(`${url.protocol}//${url.host}`);
  }
  return { kind: 'etcd', endpoints, secure: scheme === 'https:' };
}
