/**
 * Composition root of the `flotilla` binary: picks the subcommand, builds the real dependencies
 * (storage, built-in resources) and hands them to it. No logic of its own beyond dispatch and
 * turning errors into exit codes: 0 ok, 1 runtime failure, 2 usage error.
 */
import { hostname, homedir } from 'node:os';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../cli/flags.js';
import { rootHelp } from '../../cli/help.js';
import { type CommandIo, type ServerDeps, serverCommand } from '../../cli/server.js';
import type { ServerEnv } from '../../cli/server-config.js';
import { versionCommand } from '../../cli/version.js';

const io: CommandIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

function processEnv(): ServerEnv {
  return {
    vars: process.env,
    isRoot: process.getuid?.() === 0,
    homeDir: homedir(),
    cwd: process.cwd(),
    hostname: hostname(),
    readFile: (p) => readFileSync(p, 'utf8'),
  };
}

/**
 * The real storage and apiserver, loaded only when a server actually starts, so `version`, `help`
 * and flag errors stay fast and do not load SQLite, gRPC or the API machinery.
 */
async function loadServerDeps(): Promise<ServerDeps> {
  const [storage, apiserver, builtin, audit, plugins, priority, tolerations, inProcess, controlPlane] = await Promise.all([
    import('../../storage/index.js'),
    import('../../apiserver/index.js'),
    import('../../api/builtin.js'),
    import('../../apiserver/audit.js'),
    import('../../apiserver/admission/plugins/index.js'),
    import('../../apiserver/admission/plugins/priority.js'),
    import('../../apiserver/admission/plugins/default-toleration-seconds.js'),
    import('../../client/in-process.js'),
    import('./control-plane.js'),
  ]);
  return {
    // Admission plugins read and charge objects through the apiserver's own stores, bound late.
    createApiServer: (opts) => {
      let api: ReturnType<typeof apiserver.createApiServer> | undefined;
      const access = plugins.createStoreAccess({
        registry: opts.registry,
        storeFor: (def) => api!.storeFor(def),
        listerFor: (def) => api!.listerFor(def),
      });
      api = apiserver.createApiServer({
        ...opts,
        authenticators: [inProcess.inProcessAuthenticator, ...opts.authenticators],
        admission: [
          // Pods get the kube-api-access volume (token, kube-root-ca.crt, namespace) unless they or
          // their account opt out. A missing account is not refused (upstream refuses it): a server
          // may run without the controller manager that creates `default`.
          plugins.createServiceAccountAdmission({ reader: access, requireServiceAccount: false, mountServiceAccountToken: true }),
          plugins.createNodeRestriction({ reader: access }),
          plugins.createLimitRanger({ reader: access }),
          tolerations.createDefaultTolerationSeconds(),
          priority.createPriorityAdmission({ reader: access }),
          plugins.createResourceQuotaAdmission({ access }),
        ],
      });
      return api;
    },
    startControlPlane: (o) => controlPlane.startControlPlane(o),
    startAgent: async (server) => (await import('./agent-deps.js')).startEmbeddedAgent(server),
    openBackend: storage.openBackend,
    startAutoCompaction: (backend, logger) => storage.startAutoCompaction(backend, { logger }),
    resources: builtin.servedResources,
    openAuditLog: (opts) => audit.FileAuditLog.open(opts),
  };
}

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        if (command === 'help' && rest[0] === 'server') return serverCommand(['--help'], processEnv(), loadServerDeps, io);
        if (command === 'help' && rest[0] === 'version') return versionCommand(['--help'], io);
        if (command === 'help' && rest[0] === 'sim') return main(['sim', '--help']);
        if (command === 'help' && rest[0] === 'explain') return main(['explain', '--help']);
        if (command === 'help' && rest[0] === 'images') return main(['images', '--help']);
        if (command === 'help' && rest[0] === 'agent') return main(['agent', '--help']);
        if (command === 'help' && rest[0] === 'killall') return main(['killall', '--help']);
        if (command === 'help' && rest[0] !== undefined) throw new UsageError(`unknown command "${rest[0]}" for "flotilla"`, 'flotilla');
        io.stdout(rootHelp());
        return 0;
      case 'version':
      case '--version':
        return versionCommand(rest, io);
      case 'server':
        return await serverCommand(rest, processEnv(), loadServerDeps, io);
      case 'sim': {
        const [{ simCommand, processOnSignal }, { clientFromKubeconfig }] = await Promise.all([import('../../cli/sim.js'), import('../../client/http-client.js')]);
        return await simCommand(rest, { KUBECONFIG: process.env['KUBECONFIG'] }, { clientFromKubeconfig, onSignal: processOnSignal }, io);
      }
      case 'explain': {
        const [{ explainCommand }, { clientFromKubeconfig }] = await Promise.all([import('../../cli/explain.js'), import('../../client/http-client.js')]);
        return await explainCommand(rest, io, { clientFor: (p) => clientFromKubeconfig(p, 'flotilla-explain'), env: process.env, homeDir: homedir() });
      }
      case 'agent': {
        const [{ agentCommand }, { realAgentDeps }] = await Promise.all([import('../../cli/agent.js'), import('./agent-deps.js')]);
        const env = process.env;
        return await agentCommand(
          rest,
          {
            ...(env['FLOTILLA_URL'] ? { FLOTILLA_URL: env['FLOTILLA_URL'] } : {}),
            ...(env['FLOTILLA_TOKEN'] ? { FLOTILLA_TOKEN: env['FLOTILLA_TOKEN'] } : {}),
            ...(env['FLOTILLA_DATA_DIR'] ? { FLOTILLA_DATA_DIR: env['FLOTILLA_DATA_DIR'] } : {}),
            ...(env['FLOTILLA_NODE_NAME'] ? { FLOTILLA_NODE_NAME: env['FLOTILLA_NODE_NAME'] } : {}),
            isRoot: process.getuid?.() === 0,
            hostname: hostname(),
          },
          realAgentDeps(),
          io,
        );
      }
      case 'killall': {
        const [{ killallCommand }, { killall }] = await Promise.all([import('../../cli/killall.js'), import('../../agent/killall.js')]);
        const dir = process.env['FLOTILLA_DATA_DIR'];
        return await killallCommand(rest, { ...(dir ? { FLOTILLA_DATA_DIR: dir } : {}), isRoot: process.getuid?.() === 0 }, killall, io);
      }
      case 'images': {
        const { imagesCommand } = await import('../../cli/images.js');
        return await imagesCommand(rest, io);
      }
      default:
        if (command.startsWith('-')) throw new UsageError(`unknown flag: ${command}`, 'flotilla');
        throw new UsageError(`unknown command "${command}" for "flotilla"`, 'flotilla');
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`Error: ${e.message}\nSee '${e.command} --help' for usage.\n`);
      return e.exitCode;
    }
    io.stderr(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
