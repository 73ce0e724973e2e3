/** What `GET /version` answers. gitVersion must be full semver: Prometheus parses it. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export const KUBERNETES_MINOR = 32;
export const FLOTILLA_VERSION = '0.1.0';

export function versionInfo(platform: string): VersionInfo {
  return {
    major: '1',
    minor: String(KUBERNETES_MINOR),
    gitVersion: `v1.${KUBERNETES_MINOR}.0+flotilla.${FLOTILLA_VERSION}`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-11-24T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform,
  };
}
