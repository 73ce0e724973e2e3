/**
 * `flotilla images`: the images in a node's containerd (the CRI's `k8s.io` namespace), for nodes
 * that cannot pull from a registry: import archives (OCI layouts or `docker save` tars), list,
 * remove, and build the built-in ones (pause, busybox, the demo app).
 *
 *   flotilla images import FILE... [--builtin]
 *   flotilla images ls [-q]
 *   flotilla images rm REF...
 *   flotilla images build [--cache-dir DIR] [--import]
 *
 * The socket is `<data-dir>/containerd/containerd.sock` (the containerd the agent supervises) unless
 * `--address` names another. Exit codes: 0 ok, 1 failure (one line on stderr), 2 usage error.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BuiltinImageError, type BuiltinArchives, type EnsureBuiltinImagesOptions } from '../agent/images/build.js';
import { CRI_NAMESPACE } from '../agent/images/builtin.js';
import { CtrError, type CtrOptions } from '../agent/images/ctr.js';
import { type ImageRecord, formatImageTable } from '../agent/images/image-table.js';
import { type FlagSpec, UsageError, parseFlags, renderHelp } from './flags.js';
import type { CommandIo } from './server.js';

export const IMAGES_COMMAND = 'flotilla images';
export const DEFAULT_DATA_DIR = '/var/lib/flotilla';

/** Where the data dir comes from when --data-dir is absent (as `flotilla server` decides it). */
export interface ImagesEnv {
  /** $FLOTILLA_DATA_DIR */
  dataDir?: string | undefined;
  isRoot: boolean;
  homeDir: string;
}

export function processImagesEnv(): ImagesEnv {
  return { dataDir: process.env['FLOTILLA_DATA_DIR'], isRoot: process.getuid?.() === 0, homeDir: homedir() };
}

/** --data-dir, else $FLOTILLA_DATA_DIR, else /var/lib/flotilla as root and ~/.flotilla otherwise. */
export function resolveDataDir(flag: string | undefined, env: ImagesEnv): string {
  return flag ?? (env.dataDir || (env.isRoot ? DEFAULT_DATA_DIR : join(env.homeDir, '.flotilla')));
}

/** The node's containerd socket under a data dir (the contract with the containerd supervisor). */
export function containerdSocket(dataDir: string): string {
  return join(dataDir, 'containerd', 'containerd.sock');
}

/** The operations the command drives; the real ones run `ctr` and gcc, tests pass fakes. */
export interface ImagesDeps {
  importImages(socket: string, archives: readonly string[], namespace: string, opts: CtrOptions): Promise<string[]>;
  listImages(socket: string, namespace: string, opts: CtrOptions): Promise<ImageRecord[]>;
  removeImages(socket: string, refs: readonly string[], namespace: string, opts: CtrOptions): Promise<{ removed: string[]; notFound: string[] }>;
  ensureBuiltinImages(opts: EnsureBuiltinImagesOptions): Promise<BuiltinArchives>;
}

/** The real dependencies, loaded on first use. */
export async function realImagesDeps(): Promise<ImagesDeps> {
  const [ctr, build] = await Promise.all([import('../agent/images/ctr.js'), import('../agent/images/build.js')]);
  return {
    importImages: ctr.importImages,
    listImages: ctr.listImages,
    removeImages: ctr.removeImages,
    ensureBuiltinImages: build.ensureBuiltinImages,
  };
}

const COMMON: FlagSpec[] = [
  {
    name: 'data-dir',
    short: 'd',
    type: 'string',
    defaultText: `${DEFAULT_DATA_DIR} as root, ~/.flotilla otherwise`,
    description: "The node's data directory; its containerd listens on <data-dir>/containerd/containerd.sock [$FLOTILLA_DATA_DIR]",
  },
  { name: 'address', short: 'a', type: 'string', valueName: 'path', description: 'containerd socket to use instead of the one under --data-dir' },
  { name: 'namespace', short: 'n', type: 'string', defaultText: CRI_NAMESPACE, description: 'containerd namespace (the CRI uses k8s.io)' },
  { name: 'help', short: 'h', type: 'boolean', description: 'Help for this command' },
];

interface Sub {
  summary: string;
  usage: string;
  description: string;
  flags: FlagSpec[];
  examples?: string[];
}

const SUBS: Record<'import' | 'ls' | 'rm' | 'build', Sub> = {
  import: {
    summary: 'Import image archives (OCI layout or docker save tars) into the node',
    usage: `${IMAGES_COMMAND} import FILE... [flags]`,
    description:
      "Import image archives into the node's containerd, unpacked and ready for pods. Accepts OCI image layout tars and `docker save` tars; " +
      'the names inside the archive are kept. Importing the same archive again is harmless.',
    flags: [{ name: 'builtin', type: 'boolean', description: 'Also import the built-in images (pause, busybox, demo app), building them first if needed' }, ...COMMON],
    examples: ['# an image saved elsewhere with `docker save myapp:v1 -o myapp.tar`', `${IMAGES_COMMAND} import myapp.tar`, '', `${IMAGES_COMMAND} import --builtin`],
  },
  ls: {
    summary: 'List the images on the node',
    usage: `${IMAGES_COMMAND} ls [flags]`,
    description: "List the images in the node's containerd, like `crictl images`.",
    flags: [{ name: 'quiet', short: 'q', type: 'boolean', description: 'Print only the image references' }, ...COMMON],
  },
  rm: {
    summary: 'Remove images from the node',
    usage: `${IMAGES_COMMAND} rm REF... [flags]`,
    description: "Remove image references from the node's containerd, like `crictl rmi`; content no longer referenced is garbage-collected.",
    flags: COMMON,
  },
  build: {
    summary: 'Build the built-in images (pause, busybox, demo app) from local packages',
    usage: `${IMAGES_COMMAND} build [flags]`,
    description:
      'Build the built-in images as OCI archives from Debian packages (gcc, libc6-dev, busybox-static), without Docker or a registry. ' +
      'Nothing is rebuilt when the inputs are unchanged. Prints the archive paths.',
    flags: [
      { name: 'cache-dir', type: 'string', valueName: 'path', defaultText: '<repo>/.cache/images', description: 'Where the archives are written' },
      { name: 'force', type: 'boolean', description: 'Rebuild even when the inputs are unchanged' },
      { name: 'import', type: 'boolean', description: "Import the built archives into the node's containerd" },
      ...COMMON,
    ],
  },
};

export function imagesHelp(): string {
  return renderHelp({
    description: "Manage the images of a node's containerd without a registry: import archives, list, remove, build the built-in images.",
    usage: [`${IMAGES_COMMAND} <command> [flags]`],
    sections: [
      { title: 'Available Commands', lines: Object.entries(SUBS).map(([n, s]) => `${n.padEnd(9)}${s.summary}`) },
      { title: 'More', lines: [`Use '${IMAGES_COMMAND} <command> --help' for more information about a command.`] },
    ],
    specs: [{ name: 'help', short: 'h', type: 'boolean', description: 'Help for images' }],
  });
}

export function imagesSubHelp(name: keyof typeof SUBS): string {
  const s = SUBS[name];
  return renderHelp({
    description: s.description,
    usage: [s.usage],
    ...(s.examples ? { sections: [{ title: 'Examples', lines: s.examples }] } : {}),
    specs: s.flags,
  });
}

function str(values: Map<string, unknown>, name: string): string | undefined {
  const v = values.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Runs `flotilla images ...`; resolves with the exit code. Throws UsageError for usage mistakes. */
export async function imagesCommand(
  argv: string[],
  io: CommandIo,
  loadDeps: () => Promise<ImagesDeps> = realImagesDeps,
  env: ImagesEnv = processImagesEnv(),
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    if (sub === 'help' && rest[0] && rest[0] in SUBS) {
      io.stdout(imagesSubHelp(rest[0] as keyof typeof SUBS));
      return 0;
    }
    io.stdout(imagesHelp());
    return 0;
  }
  const name = sub === 'list' ? 'ls' : sub === 'rmi' || sub === 'remove' ? 'rm' : sub;
  if (!(name in SUBS)) {
    if (name.startsWith('-')) throw new UsageError(`unknown flag: ${name}`, IMAGES_COMMAND);
    throw new UsageError(`unknown command "${name}" for "${IMAGES_COMMAND}"`, IMAGES_COMMAND);
  }
  const key = name as keyof typeof SUBS;
  const cmd = `${IMAGES_COMMAND} ${key}`;
  const { values, positionals } = parseFlags(rest, SUBS[key].flags, cmd);
  if (values.get('help') === true) {
    io.stdout(imagesSubHelp(key));
    return 0;
  }
  const socket = str(values, 'address') ?? containerdSocket(resolveDataDir(str(values, 'data-dir'), env));
  const namespace = str(values, 'namespace') ?? CRI_NAMESPACE;
  if (namespace === '') throw new UsageError('--namespace must not be empty', cmd);
  const progress = (line: string) => io.stderr(`${line}\n`);

  if (key === 'import' && positionals.length === 0 && values.get('builtin') !== true) {
    throw new UsageError('requires at least one archive (or --builtin)', cmd);
  }
  if (key === 'rm' && positionals.length === 0) throw new UsageError('requires at least one image reference', cmd);
  if ((key === 'ls' || key === 'build') && positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, cmd);

  const deps = await loadDeps();
  try {
    switch (key) {
      case 'import': {
        const archives = [...positionals];
        if (values.get('builtin') === true) {
          const built = await deps.ensureBuiltinImages({ onProgress: progress });
          archives.push(built.pause, built.busybox, built.demo);
        }
        for (const a of archives) {
          progress(`importing ${a}`);
          for (const n of await deps.importImages(socket, [a], namespace, { onProgress: progress })) io.stdout(`Imported: ${n}\n`);
        }
        return 0;
      }
      case 'ls': {
        const images = await deps.listImages(socket, namespace, {});
        if (values.get('quiet') === true) {
          for (const i of images) if (!/^sha256:[0-9a-f]{64}$/.test(i.ref)) io.stdout(`${i.ref}\n`);
        } else io.stdout(formatImageTable(images));
        return 0;
      }
      case 'rm': {
        const { removed, notFound } = await deps.removeImages(socket, positionals, namespace, {});
        for (const r of removed) io.stdout(`Deleted: ${r}\n`);
        if (notFound.length > 0) {
          io.stderr(`Error: no such image: ${notFound.join(', ')}\n`);
          return 1;
        }
        return 0;
      }
      case 'build': {
        const cacheDir = str(values, 'cache-dir');
        const built = await deps.ensureBuiltinImages({ ...(cacheDir ? { cacheDir } : {}), force: values.get('force') === true, onProgress: progress });
        io.stdout(`${built.pause}\n${built.busybox}\n${built.demo}\n`);
        if (values.get('import') === true) {
          const names = await deps.importImages(socket, [built.pause, built.busybox, built.demo], namespace, { onProgress: progress });
          for (const n of names) io.stdout(`Imported: ${n}\n`);
        }
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof CtrError || e instanceof BuiltinImageError) {
      io.stderr(`Error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
