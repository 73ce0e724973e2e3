/** `flotilla version`: the Flotilla release, the Kubernetes API version it serves, and the runtime. */
import { FLOTILLA_VERSION, versionInfo } from '../apiserver/version.js';
import { type FlagSpec, UsageError, parseFlags, renderHelp } from './flags.js';
import type { CommandIo } from './server.js';

const FLAGS: FlagSpec[] = [
  { name: 'output', short: 'o', type: 'string', valueName: 'format', description: "One of '' or 'json'" },
  { name: 'help', short: 'h', type: 'boolean', description: 'Help for version' },
];

export function versionHelp(): string {
  return renderHelp({ description: 'Print the Flotilla version.', usage: ['flotilla version [flags]'], specs: FLAGS });
}

export function versionCommand(argv: string[], io: CommandIo): number {
  const { values, positionals } = parseFlags(argv, FLAGS, 'flotilla version');
  if (values.get('help') === true) {
    io.stdout(versionHelp());
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'flotilla version');
  const info = versionInfo(`${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`);
  const output = values.get('output') ?? '';
  if (output === 'json') {
    io.stdout(JSON.stringify({ flotillaVersion: `v${FLOTILLA_VERSION}`, kubernetes: info }, null, 2) + '\n');
  } else if (output === '') {
    io.stdout(`flotilla version v${FLOTILLA_VERSION} (Kubernetes ${info.gitVersion})\nnode version ${process.version}\n`);
  } else {
    throw new UsageError(`--output must be '' or 'json', not "${String(output)}"`, 'flotilla version');
  }
  return 0;
}
