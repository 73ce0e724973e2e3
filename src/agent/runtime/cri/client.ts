/**
 * The CRI runtime/v1 client over gRPC on containerd's unix socket: RuntimeService and ImageService
 * as declared in ../cri-types.ts, loaded at run time from api.proto (beside this file) with
 * @grpc/proto-loader.
 *
 * Contracts:
 * - every method rejects only with a CriError carrying the gRPC code name and the runtime's message
 *   verbatim (codes outside CriErrorCode become UNKNOWN; the gRPC error is the `cause`);
 * - stopPodSandbox, removePodSandbox, stopContainer, removeContainer and removeImage resolve when the
 *   object is already gone (NOT_FOUND);
 * - deadlines: runPodSandbox, createContainer and pullImage get `longTimeoutMs` (default 2 min),
 *   execSync its own timeout plus a grace, every other call `timeoutMs` (default 10 s); a missed
 *   deadline rejects with DEADLINE_EXCEEDED;
 * - the channel reconnects by itself when containerd restarts (calls made while it is down reject
 *   with UNAVAILABLE instead of waiting);
 * - unset message fields come back as `undefined` (never null), int64 as number, bytes as Buffer.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CriError, type CriErrorCode } from '../cri-errors.js';
import type {
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStats,
  ContainerStatus,
  ExecSyncResponse,
  Image,
  ImageService,
  ImageSpec,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStats,
  PodSandboxStatus,
  RuntimeCondition,
  RuntimeService,
  StreamingRequest,
  VersionResponse,
} from '../cri-types.js';

export interface CriClientOptions {
  /** Deadline of ordinary calls (default 10 s). */
  timeoutMs?: number;
  /** Deadline of runPodSandbox, createContainer and pullImage (default 2 min). */
  longTimeoutMs?: number;
}

export interface CriClient {
  runtime: RuntimeService;
  images: ImageService;
  /** Closes the channel; calls made afterwards reject with UNAVAILABLE. Idempotent. */
  close(): void;
}

/** The CRI API version the client speaks (sent in VersionRequest, as the kubelet does). */
export const CRI_API_VERSION = 'v1';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_LONG_TIMEOUT_MS = 120_000;
/** Extra time the gRPC deadline of ExecSync leaves the runtime to report its own timeout. */
const EXEC_GRACE_MS = 5_000;
/** ExecSync with timeoutSeconds 0 ("no timeout") still gets a client deadline. */
const EXEC_UNBOUNDED_MS = 10 * 60_000;

const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

/**
 * api.proto beside this module (running from src/ with tsx), or in the source tree when running
 * compiled from dist/src/... (tsc does not copy .proto files).
 */
export function criProtoPath(): string {
  const candidates = [
    fileURLToPath(new URL('./api.proto', import.meta.url)),
    fileURLToPath(new URL('../../../../../src/agent/runtime/cri/api.proto', import.meta.url)),
  ];
  for (const p of candidates) if (existsSync(p)) return p;
  throw new Error(`CRI api.proto not found (looked in ${candidates.join(', ')})`);
}

type UnaryCallback = (err: grpc.ServiceError | null, res: unknown) => void;
type UnaryMethod = (req: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, cb: UnaryCallback) => grpc.ClientUnaryCall;
type ServiceCtor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client;

let cachedServices: { runtime: ServiceCtor; image: ServiceCtor } | undefined;

function services(): { runtime: ServiceCtor; image: ServiceCtor } {
  if (cachedServices) return cachedServices;
  const def = protoLoader.loadSync(criProtoPath(), LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: ServiceCtor; ImageService: ServiceCtor } } };
  cachedServices = { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
  return cachedServices;
}

const KNOWN_CODES: ReadonlySet<string> = new Set<CriErrorCode>([
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'UNAVAILABLE',
  'UNIMPLEMENTED',
  'FAILED_PRECONDITION',
  'UNKNOWN',
]);

/** gRPC status → CriError (the code's name; codes outside CriErrorCode become UNKNOWN). */
export function toCriError(err: unknown, method: string): CriError {
  if (err instanceof CriError) return err;
  const se = err as Partial<grpc.ServiceError> | undefined;
  if (se && typeof se.code === 'number') {
    const name = grpc.status[se.code] ?? 'UNKNOWN';
    const code = (KNOWN_CODES.has(name) ? name : 'UNKNOWN') as CriErrorCode;
    const message = typeof se.details === 'string' && se.details !== '' ? se.details : (se.message ?? name);
    return new CriError(code, message, method, { cause: err });
  }
  return new CriError('UNKNOWN', err instanceof Error ? err.message : String(err), method, { cause: err });
}

/** Recursively turns proto-loader's `null` (unset message field) into `undefined`. */
function denull<T>(v: unknown): T {
  if (v === null) return undefined as T;
  if (Array.isArray(v)) return v.map((x) => denull(x)) as T;
  if (typeof v === 'object' && v !== undefined && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const d = denull(x);
      if (d !== undefined) out[k] = d;
    }
    return out as T;
  }
  return v as T;
}

class Caller {
  private closed = false;
  constructor(private readonly client: grpc.Client) {}

  call<R>(method: string, req: object, timeoutMs: number): Promise<R> {
    if (this.closed) return Promise.reject(new CriError('UNAVAILABLE', 'CRI client closed', method));
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method];
    if (typeof fn !== 'function') return Promise.reject(new CriError('UNIMPLEMENTED', `unknown CRI method ${method}`, method));
    return new Promise<R>((resolve, reject) => {
      try {
        fn.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
          if (err) reject(toCriError(err, method));
          else resolve(denull<R>(res));
        });
      } catch (e) {
        reject(toCriError(e, method));
      }
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CriError && e.code === 'NOT_FOUND') return;
    throw e;
  }
}

/**
 * A client for the CRI services on `socket` (a unix socket path, with or without `unix://`).
 * Connecting is lazy: creating the client never fails; the first call reports UNAVAILABLE when
 * nothing listens.
 */
export function createCriClient(socket: string, opts: CriClientOptions = {}): CriClient {
  const short = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const long = opts.longTimeoutMs ?? DEFAULT_LONG_TIMEOUT_MS;
  const address = socket.startsWith('unix:') ? socket : `unix://${socket}`;
  const { runtime: RuntimeCtor, image: ImageCtor } = services();
  const channelOptions: grpc.ChannelOptions = {
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.max_send_message_length': 16 * 1024 * 1024,
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1_000,
  };
  const rt = new Caller(new RuntimeCtor(address, grpc.credentials.createInsecure(), channelOptions));
  const im = new Caller(new ImageCtor(address, grpc.credentials.createInsecure(), channelOptions));

  const runtime: RuntimeService = {
    version: () => rt.call<VersionResponse>('Version', { version: CRI_API_VERSION }, short),
    status: async () => {
      const res = await rt.call<{ status?: { conditions?: RuntimeCondition[] } }>('Status', {}, short);
      return res.status?.conditions ?? [];
    },

    runPodSandbox: async (config: PodSandboxConfig, runtimeHandler?: string) => {
      const res = await rt.call<{ podSandboxId: string }>('RunPodSandbox', { config, runtimeHandler: runtimeHandler ?? '' }, long);
      return res.podSandboxId;
    },
    stopPodSandbox: (podSandboxId) => ignoreNotFound(rt.call('StopPodSandbox', { podSandboxId }, long)),
    removePodSandbox: (podSandboxId) => ignoreNotFound(rt.call('RemovePodSandbox', { podSandboxId }, long)),
    podSandboxStatus: async (podSandboxId) => {
      const res = await rt.call<{ status?: PodSandboxStatus }>('PodSandboxStatus', { podSandboxId }, short);
      if (!res.status) throw new CriError('NOT_FOUND', `no status for sandbox ${podSandboxId}`, 'PodSandboxStatus');
      return res.status;
    },
    listPodSandbox: async (filter?: PodSandboxFilter) => {
      const res = await rt.call<{ items?: PodSandbox[] }>('ListPodSandbox', filter ? { filter } : {}, short);
      return res.items ?? [];
    },

    createContainer: async (podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig) => {
      const res = await rt.call<{ containerId: string }>('CreateContainer', { podSandboxId, config, sandboxConfig }, long);
      return res.containerId;
    },
    startContainer: async (containerId) => {
      await rt.call('StartContainer', { containerId }, long);
    },
    stopContainer: (containerId, timeoutSeconds) =>
      ignoreNotFound(rt.call('StopContainer', { containerId, timeout: timeoutSeconds }, Math.max(0, timeoutSeconds) * 1000 + short)),
    removeContainer: (containerId) => ignoreNotFound(rt.call('RemoveContainer', { containerId }, long)),
    listContainers: async (filter?: ContainerFilter) => {
      const res = await rt.call<{ containers?: Container[] }>('ListContainers', filter ? { filter } : {}, short);
      return res.containers ?? [];
    },
    containerStatus: async (containerId) => {
      const res = await rt.call<{ status?: ContainerStatus }>('ContainerStatus', { containerId }, short);
      if (!res.status) throw new CriError('NOT_FOUND', `no status for container ${containerId}`, 'ContainerStatus');
      return res.status;
    },

    execSync: async (containerId, cmd, timeoutSeconds) => {
      const deadline = (timeoutSeconds > 0 ? timeoutSeconds * 1000 : EXEC_UNBOUNDED_MS) + EXEC_GRACE_MS;
      const res = await rt.call<Partial<ExecSyncResponse>>('ExecSync', { containerId, cmd, timeout: timeoutSeconds }, deadline);
      return { stdout: res.stdout ?? Buffer.alloc(0), stderr: res.stderr ?? Buffer.alloc(0), exitCode: res.exitCode ?? 0 };
    },
    exec: async (req: StreamingRequest) => (await rt.call<{ url: string }>('Exec', req, short)).url,
    attach: async (req: StreamingRequest) => {
      const { cmd: _cmd, ...rest } = req;
      return (await rt.call<{ url: string }>('Attach', rest, short)).url;
    },
    portForward: async (podSandboxId, ports) => (await rt.call<{ url: string }>('PortForward', { podSandboxId, port: ports }, short)).url,

    listContainerStats: async (filter) => {
      const res = await rt.call<{ stats?: ContainerStats[] }>('ListContainerStats', filter ? { filter } : {}, short);
      return res.stats ?? [];
    },
    listPodSandboxStats: async (filter) => {
      const res = await rt.call<{ stats?: PodSandboxStats[] }>('ListPodSandboxStats', filter ? { filter } : {}, short);
      return res.stats ?? [];
    },
    reopenContainerLog: async (containerId) => {
      await rt.call('ReopenContainerLog', { containerId }, short);
    },
  };

  const images: ImageService = {
    listImages: async (filter?: { image?: ImageSpec }) => {
      const res = await im.call<{ images?: Image[] }>('ListImages', filter ? { filter } : {}, short);
      return res.images ?? [];
    },
    imageStatus: async (image) => {
      const res = await im.call<{ image?: Image }>('ImageStatus', { image }, short);
      return res.image;
    },
    pullImage: async (image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig) => {
      const res = await im.call<{ imageRef: string }>('PullImage', { image, auth, sandboxConfig }, long);
      return res.imageRef;
    },
    removeImage: (image) => ignoreNotFound(im.call('RemoveImage', { image }, long)),
    imageFsInfo: async () => {
      type Fs = { fsId?: { mountpoint: string }; usedBytes?: { value: number }; inodesUsed?: { value: number } };
      const res = await im.call<{ imageFilesystems?: Fs[] }>('ImageFsInfo', {}, short);
      return (res.imageFilesystems ?? []).map((fs) => ({
        usedBytes: fs.usedBytes?.value ?? 0,
        inodesUsed: fs.inodesUsed?.value ?? 0,
        mountpoint: fs.fsId?.mountpoint ?? '',
      }));
    },
  };

  return {
    runtime,
    images,
    close: () => {
      rt.close();
      im.close();
    },
  };
}
