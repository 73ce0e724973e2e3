/**
 * An in-memory RuntimeService + ImageService that keeps the CRI contract of cri-types.ts the way
 * containerd does, for pod-worker tests: 64-hex ids, sandbox and container states and timestamps,
 * name reservation (one sandbox per name/namespace/uid/attempt, one container per name/attempt in
 * a sandbox), NOT_FOUND CriErrors for unknown ids, idempotent stop/remove, images that must be
 * present before a container is created.
 *
 * Test controls: `exit(id, code, reason?)` ends a running container (its process exited),
 * `addImage`, `failPull(image, message)`, `failNext(method, error)` (the next call of that method
 * rejects), `setDown(true)` (every call rejects UNAVAILABLE), `onExec`, `stopExit`, and `calls`
 * (every call with its arguments, in order). Stats: `setUsage(containerId, usage)` and
 * `setSandboxUsage(sandboxId, usage)` set the figures listContainerStats / listPodSandboxStats
 * report (cumulative CPU and page faults as given, timestamps from `clock`); a sandbox without its
 * own usage reports the sum of its running containers. Time comes from `clock` (ms); no timers, no I/O.
 */
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

type Method = keyof RuntimeService | keyof ImageService;

/** What the fake reports for one container or sandbox (all default 0; undefined fields are left out). */
export interface FakeUsage {
  /** Cumulative CPU time in core-nanoseconds. */
  cpuCoreNanos?: number;
  workingSetBytes?: number;
  usageBytes?: number;
  rssBytes?: number;
  availableBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
  writableLayerBytes?: number;
  writableLayerInodes?: number;
}

interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  createdAt: number;
  ip: string;
}

interface ContainerRecord {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  image: Image;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
}

export interface FakeRuntimeOptions {
  /** ms since the epoch; default Date.now. */
  clock?: () => number;
  /** First three octets of the pod addresses handed out (default 10.88.0). */
  podSubnet?: string;
  /** Images present from the start. */
  images?: string[];
}

/** docker.io/library/ and :latest added as containerd normalizes references. */
export function normalizeImageRef(ref: string): string {
  let r = ref;
  const firstSlash = r.indexOf('/');
  const first = firstSlash === -1 ? '' : r.slice(0, firstSlash);
  if (firstSlash === -1) r = `docker.io/library/${r}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') r = `docker.io/${r}`;
  const lastSlash = r.lastIndexOf('/');
  if (!r.includes('@') && !r.slice(lastSlash + 1).includes(':')) r += ':latest';
  return r;
}

function hex64(seed: string): string {
  let out = '';
  let h = 0x811c9dc5;
  for (let round = 0; out.length < 64; round++) {
    for (const ch of `${seed}/${round}`) {
      h ^= ch.charCodeAt(0);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

export class FakeRuntime implements RuntimeService, ImageService {
  readonly calls: { method: Method; args: unknown[] }[] = [];
  /** Result of execSync for running containers (default: exit 0, no output). */
  onExec: (containerId: string, cmd: string[]) => { exitCode: number; stdout?: string; stderr?: string } = () => ({ exitCode: 0 });
  /** How a running container ends when stopped (default: killed, 137 Error). */
  stopExit: (containerId: string) => { exitCode: number; reason: string } = () => ({ exitCode: 137, reason: 'Error' });

  private readonly clock: () => number;
  private readonly subnet: string;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly images = new Map<string, Image>();
  private readonly usage = new Map<string, FakeUsage>();
  private readonly pullFailures = new Map<string, string>();
  private readonly failures = new Map<Method, CriError[]>();
  private seq = 0;
  private nextIp = 2;
  private down = false;

  constructor(opts: FakeRuntimeOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.subnet = opts.podSubnet ?? '10.88.0';
    for (const i of opts.images ?? []) this.addImage(i);
  }

  // ---- test controls ------------------------------------------------------------------------------

  /** Makes an image present; returns its id. */
  addImage(ref: string, opts: { uid?: number; username?: string; size?: number } = {}): string {
    const name = normalizeImageRef(ref);
    const existing = this.findImage(ref);
    if (existing) return existing.id;
    const digest = `sha256:${hex64(`digest:${name}`)}`;
    const id = `sha256:${hex64(`id:${name}`)}`;
    const repo = name.replace(/[:@][^/]*$/, '');
    this.images.set(id, {
      id,
      repoTags: name.includes('@') ? [] : [name],
      repoDigests: [`${repo}@${digest}`],
      size: opts.size ?? 1_000_000,
      ...(opts.uid !== undefined ? { uid: { value: opts.uid } } : {}),
      username: opts.username ?? '',
      pinned: false,
    });
    return id;
  }

  /** Every later pull of `image` rejects with this message (UNKNOWN, as containerd's resolve errors). */
  failPull(image: string, message: string): void {
    this.pullFailures.set(normalizeImageRef(image), message);
  }

  clearPullFailure(image: string): void {
    this.pullFailures.delete(normalizeImageRef(image));
  }

  /** The next call of `method` rejects with `error`. */
  failNext(method: Method, error: CriError): void {
    const q = this.failures.get(method) ?? [];
    q.push(error);
    this.failures.set(method, q);
  }

  /** While down, every call rejects UNAVAILABLE. */
  setDown(down: boolean): void {
    this.down = down;
  }

  /** The container's process exited: RUNNING → EXITED with this code (reason Completed/Error by default). */
  exit(containerId: string, exitCode: number, reason?: string, message = ''): void {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`fake runtime: no container ${containerId}`);
    if (c.state !== 'CONTAINER_RUNNING') throw new Error(`fake runtime: container ${containerId} is ${c.state}`);
    this.finish(c, exitCode, reason ?? (exitCode === 0 ? 'Completed' : 'Error'), message);
  }

  /** Puts a container into CONTAINER_UNKNOWN (the runtime lost track of it). */
  setUnknown(containerId: string): void {
    const c = this.containers.get(containerId);
    if (c) c.state = 'CONTAINER_UNKNOWN';
  }

  /** Ids of running containers whose name is `name` (convenience for tests). */
  runningIds(name?: string): string[] {
    return [...this.containers.values()].filter((c) => c.state === 'CONTAINER_RUNNING' && (name === undefined || c.config.metadata.name === name)).map((c) => c.id);
  }

  /** The figures the stats calls report for this container (replaces the previous ones). */
  setUsage(containerId: string, usage: FakeUsage): void {
    this.usage.set(containerId, { ...usage });
  }

  /** The pod-cgroup figures listPodSandboxStats reports for this sandbox (default: sum of its containers). */
  setSandboxUsage(sandboxId: string, usage: FakeUsage): void {
    this.usage.set(`sandbox:${sandboxId}`, { ...usage });
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  private nanos(): number {
    return this.clock() * 1e6;
  }

  private newId(kind: string): string {
    this.seq++;
    return hex64(`${kind}:${this.seq}`);
  }

  private async call<T>(method: Method, args: unknown[], f: () => T): Promise<T> {
    this.calls.push({ method, args });
    await Promise.resolve();
    if (this.down) throw new CriError('UNAVAILABLE', 'connection error: desc = "transport: Error while dialing: dial unix containerd.sock: connect: connection refused"', cap(method));
    const injected = this.failures.get(method)?.shift();
    if (injected) throw injected;
    return f();
  }

  private err(code: CriErrorCode, message: string, method: Method): CriError {
    return new CriError(code, message, cap(method));
  }

  private findImage(ref: string): Image | undefined {
    if (this.images.has(ref)) return this.images.get(ref);
    const norm = normalizeImageRef(ref);
    for (const img of this.images.values()) {
      if (img.repoTags.includes(norm) || img.repoDigests.includes(norm) || img.repoDigests.includes(ref)) return img;
      if (ref.startsWith('sha256:') && img.id === ref) return img;
    }
    return undefined;
  }

  private finish(c: ContainerRecord, exitCode: number, reason: string, message: string): void {
    c.state = 'CONTAINER_EXITED';
    c.exitCode = exitCode;
    c.reason = reason;
    c.message = message;
    c.finishedAt = this.nanos();
  }

  private sandbox(id: string, method: Method): SandboxRecord {
    const s = this.sandboxes.get(id);
    if (!s) throw this.err('NOT_FOUND', `an error occurred when try to find sandbox "${id}": not found`, method);
    return s;
  }

  private container(id: string, method: Method): ContainerRecord {
    const c = this.containers.get(id);
    if (!c) throw this.err('NOT_FOUND', `an error occurred when try to find container "${id}": not found`, method);
    return c;
  }

  private sandboxView(s: SandboxRecord): PodSandbox {
    return { id: s.id, metadata: { ...s.config.metadata }, state: s.state, createdAt: s.createdAt, labels: { ...s.config.labels }, annotations: { ...s.config.annotations } };
  }

  private containerStatusView(c: ContainerRecord): ContainerStatus {
    return {
      id: c.id,
      metadata: { ...c.config.metadata },
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      image: { image: c.image.repoTags[0] ?? c.config.image.image },
      imageRef: c.image.repoDigests[0] ?? c.image.id,
      reason: c.reason,
      message: c.message,
      labels: { ...c.config.labels },
      annotations: { ...c.config.annotations },
      mounts: c.config.mounts.map((m) => ({ ...m })),
      logPath: `${this.sandboxes.get(c.sandboxId)?.config.logDirectory ?? ''}/${c.config.logPath}`,
    };
  }

  // ---- RuntimeService -----------------------------------------------------------------------------

  version(): Promise<VersionResponse> {
    return this.call('version', [], () => ({ version: '0.1.0', runtimeName: 'fake', runtimeVersion: '0.0.0', runtimeApiVersion: 'v1' }));
  }

  status(): Promise<RuntimeCondition[]> {
    return this.call('status', [], () => [
      { type: 'RuntimeReady', status: true, reason: '', message: '' },
      { type: 'NetworkReady', status: true, reason: '', message: '' },
    ]);
  }

  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string> {
    return this.call('runPodSandbox', [config, runtimeHandler], () => {
      const m = config.metadata;
      const name = `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
      for (const s of this.sandboxes.values()) {
        const o = s.config.metadata;
        if (`${o.name}_${o.namespace}_${o.uid}_${o.attempt}` === name)
          throw this.err('UNKNOWN', `failed to reserve sandbox name "${name}": name "${name}" is reserved for "${s.id}"`, 'runPodSandbox');
      }
      const id = this.newId('sandbox');
      const hostNet = config.linux?.securityContext?.namespaceOptions?.network === 'NODE';
      const ip = hostNet ? '' : `${this.subnet}.${this.nextIp++}`;
      this.sandboxes.set(id, { id, config: structuredClone(config), state: 'SANDBOX_READY', createdAt: this.nanos(), ip });
      return id;
    });
  }

  stopPodSandbox(podSandboxId: string): Promise<void> {
    return this.call('stopPodSandbox', [podSandboxId], () => {
      const s = this.sandboxes.get(podSandboxId);
      if (!s) return;
      for (const c of this.containers.values()) {
        if (c.sandboxId === podSandboxId && c.state === 'CONTAINER_RUNNING') {
          const e = this.stopExit(c.id);
          this.finish(c, e.exitCode, e.reason, '');
        }
      }
      s.state = 'SANDBOX_NOTREADY';
    });
  }

  removePodSandbox(podSandboxId: string): Promise<void> {
    return this.call('removePodSandbox', [podSandboxId], () => {
      if (!this.sandboxes.has(podSandboxId)) return;
      for (const [id, c] of this.containers) if (c.sandboxId === podSandboxId) this.containers.delete(id);
      this.sandboxes.delete(podSandboxId);
    });
  }

  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    return this.call('podSandboxStatus', [podSandboxId], () => {
      const s = this.sandbox(podSandboxId, 'podSandboxStatus');
      const ns = s.config.linux?.securityContext?.namespaceOptions ?? { network: 'POD', pid: 'CONTAINER', ipc: 'POD' };
      return {
        ...this.sandboxView(s),
        network: { ip: s.state === 'SANDBOX_READY' ? s.ip : '', additionalIps: [] },
        linux: { namespaces: { options: { ...ns } } },
      };
    });
  }

  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return this.call('listPodSandbox', [filter], () =>
      [...this.sandboxes.values()]
        .filter((s) => (filter?.id === undefined || s.id.startsWith(filter.id)) && (filter?.state === undefined || s.state === filter.state.state) && matches(s.config.labels, filter?.labelSelector))
        .map((s) => this.sandboxView(s)),
    );
  }

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return this.call('createContainer', [podSandboxId, config, sandboxConfig], () => {
      const s = this.sandbox(podSandboxId, 'createContainer');
      if (s.state !== 'SANDBOX_READY') throw this.err('UNKNOWN', `sandbox container "${podSandboxId}" is not running`, 'createContainer');
      const image = this.findImage(config.image.image);
      if (!image) throw this.err('NOT_FOUND', `failed to get image "${config.image.image}": not found`, 'createContainer');
      const m = s.config.metadata;
      const name = `${config.metadata.name}_${m.name}_${m.namespace}_${m.uid}_${config.metadata.attempt}`;
      for (const c of this.containers.values()) {
        if (c.sandboxId !== podSandboxId) continue;
        if (c.config.metadata.name === config.metadata.name && c.config.metadata.attempt === config.metadata.attempt)
          throw this.err('UNKNOWN', `failed to reserve container name "${name}": name "${name}" is reserved for "${c.id}"`, 'createContainer');
      }
      const id = this.newId('container');
      this.containers.set(id, {
        id,
        sandboxId: podSandboxId,
        config: structuredClone(config),
        image,
        state: 'CONTAINER_CREATED',
        createdAt: this.nanos(),
        startedAt: 0,
        finishedAt: 0,
        exitCode: 0,
        reason: '',
        message: '',
      });
      return id;
    });
  }

  startContainer(containerId: string): Promise<void> {
    return this.call('startContainer', [containerId], () => {
      const c = this.container(containerId, 'startContainer');
      if (c.state !== 'CONTAINER_CREATED') throw this.err('UNKNOWN', `container ${containerId} is in ${c.state} state`, 'startContainer');
      const s = this.sandboxes.get(c.sandboxId);
      if (!s || s.state !== 'SANDBOX_READY') throw this.err('UNKNOWN', `sandbox container "${c.sandboxId}" is not running`, 'startContainer');
      c.state = 'CONTAINER_RUNNING';
      c.startedAt = this.nanos();
    });
  }

  stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    return this.call('stopContainer', [containerId, timeoutSeconds], () => {
      const c = this.containers.get(containerId);
      if (!c || c.state !== 'CONTAINER_RUNNING') return;
      const e = this.stopExit(containerId);
      this.finish(c, e.exitCode, e.reason, '');
    });
  }

  removeContainer(containerId: string): Promise<void> {
    return this.call('removeContainer', [containerId], () => {
      this.containers.delete(containerId);
      this.usage.delete(containerId);
    });
  }

  listContainers(filter?: ContainerFilter): Promise<Container[]> {
    return this.call('listContainers', [filter], () =>
      [...this.containers.values()]
        .filter(
          (c) =>
            (filter?.id === undefined || c.id.startsWith(filter.id)) &&
            (filter?.state === undefined || c.state === filter.state.state) &&
            (filter?.podSandboxId === undefined || c.sandboxId.startsWith(filter.podSandboxId)) &&
            matches(c.config.labels, filter?.labelSelector),
        )
        .map((c) => ({
          id: c.id,
          podSandboxId: c.sandboxId,
          metadata: { ...c.config.metadata },
          image: { image: c.image.repoTags[0] ?? c.config.image.image },
          imageRef: c.image.repoDigests[0] ?? c.image.id,
          state: c.state,
          createdAt: c.createdAt,
          labels: { ...c.config.labels },
          annotations: { ...c.config.annotations },
        })),
    );
  }

  containerStatus(containerId: string): Promise<ContainerStatus> {
    return this.call('containerStatus', [containerId], () => this.containerStatusView(this.container(containerId, 'containerStatus')));
  }

  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    return this.call('execSync', [containerId, cmd, timeoutSeconds], () => {
      const c = this.container(containerId, 'execSync');
      if (c.state !== 'CONTAINER_RUNNING') throw this.err('UNKNOWN', `container ${containerId} is not running`, 'execSync');
      const r = this.onExec(containerId, cmd);
      return { exitCode: r.exitCode, stdout: Buffer.from(r.stdout ?? ''), stderr: Buffer.from(r.stderr ?? '') };
    });
  }

  exec(req: StreamingRequest): Promise<string> {
    return this.call('exec', [req], () => {
      this.container(req.containerId, 'exec');
      return `http://127.0.0.1:0/exec/${this.newId('token').slice(0, 8)}`;
    });
  }

  attach(req: StreamingRequest): Promise<string> {
    return this.call('attach', [req], () => {
      this.container(req.containerId, 'attach');
      return `http://127.0.0.1:0/attach/${this.newId('token').slice(0, 8)}`;
    });
  }

  portForward(podSandboxId: string, ports: number[]): Promise<string> {
    return this.call('portForward', [podSandboxId, ports], () => {
      this.sandbox(podSandboxId, 'portForward');
      return `http://127.0.0.1:0/portforward/${this.newId('token').slice(0, 8)}`;
    });
  }

  listContainerStats(filter?: { id?: string; podSandboxId?: string }): Promise<ContainerStats[]> {
    return this.call('listContainerStats', [filter], () =>
      [...this.containers.values()]
        .filter((c) => c.state === 'CONTAINER_RUNNING' && (filter?.id === undefined || c.id === filter.id) && (filter?.podSandboxId === undefined || c.sandboxId === filter.podSandboxId))
        .map((c) => this.containerStats(c)),
    );
  }

  listPodSandboxStats(filter?: { id?: string; labelSelector?: Record<string, string> }): Promise<PodSandboxStats[]> {
    return this.call('listPodSandboxStats', [filter], () =>
      [...this.sandboxes.values()]
        .filter(
          (s) =>
            s.state === 'SANDBOX_READY' &&
            (!filter?.id || s.id === filter.id) &&
            Object.entries(filter?.labelSelector ?? {}).every(([k, v]) => s.config.labels[k] === v),
        )
        .map((s) => {
          const containers = [...this.containers.values()].filter((c) => c.sandboxId === s.id && c.state === 'CONTAINER_RUNNING').map((c) => this.containerStats(c));
          const own = this.usage.get(`sandbox:${s.id}`);
          const sum = (k: keyof FakeUsage): number => containers.reduce((n, c) => n + (this.usage.get(c.attributes.id)?.[k] ?? 0), 0);
          const u: FakeUsage = own ?? {
            cpuCoreNanos: sum('cpuCoreNanos'),
            workingSetBytes: sum('workingSetBytes'),
            usageBytes: sum('usageBytes'),
            rssBytes: sum('rssBytes'),
            pageFaults: sum('pageFaults'),
            majorPageFaults: sum('majorPageFaults'),
          };
          const ts = this.nanos();
          return {
            attributes: { id: s.id, metadata: { ...s.config.metadata }, labels: { ...s.config.labels }, annotations: { ...s.config.annotations } },
            linux: { cpu: fakeCpu(ts, u), memory: fakeMemory(ts, u), process: { timestamp: ts, processCount: { value: containers.length + 1 } }, containers },
          };
        }),
    );
  }

  private containerStats(c: ContainerRecord): ContainerStats {
    const u = this.usage.get(c.id) ?? {};
    const ts = this.nanos();
    return {
      attributes: { id: c.id, metadata: { ...c.config.metadata }, labels: { ...c.config.labels }, annotations: { ...c.config.annotations } },
      cpu: fakeCpu(ts, u),
      memory: fakeMemory(ts, u),
      writableLayer: { timestamp: ts, usedBytes: { value: u.writableLayerBytes ?? 0 }, inodesUsed: { value: u.writableLayerInodes ?? 0 } },
    };
  }

  reopenContainerLog(containerId: string): Promise<void> {
    return this.call('reopenContainerLog', [containerId], () => {
      const c = this.container(containerId, 'reopenContainerLog');
      if (c.state !== 'CONTAINER_RUNNING') throw this.err('FAILED_PRECONDITION', `container ${containerId} is not running`, 'reopenContainerLog');
    });
  }

  // ---- ImageService -------------------------------------------------------------------------------

  listImages(filter?: { image?: ImageSpec }): Promise<Image[]> {
    return this.call('listImages', [filter], () => {
      if (filter?.image?.image) {
        const img = this.findImage(filter.image.image);
        return img ? [structuredClone(img)] : [];
      }
      return [...this.images.values()].map((i) => structuredClone(i));
    });
  }

  imageStatus(image: ImageSpec): Promise<Image | undefined> {
    return this.call('imageStatus', [image], () => {
      const img = this.findImage(image.image);
      return img ? structuredClone(img) : undefined;
    });
  }

  pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    return this.call('pullImage', [image, auth, sandboxConfig], () => {
      const failure = this.pullFailures.get(normalizeImageRef(image.image));
      if (failure !== undefined) throw this.err('UNKNOWN', failure, 'pullImage');
      return this.addImage(image.image);
    });
  }

  removeImage(image: ImageSpec): Promise<void> {
    return this.call('removeImage', [image], () => {
      const img = this.findImage(image.image);
      if (img) this.images.delete(img.id);
    });
  }

  imageFsInfo(): Promise<{ usedBytes: number; inodesUsed: number; mountpoint: string }[]> {
    return this.call('imageFsInfo', [], () => [
      { usedBytes: [...this.images.values()].reduce((n, i) => n + i.size, 0), inodesUsed: this.images.size, mountpoint: '/fake/images' },
    ]);
  }
}

function matches(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function cap(method: Method): string {
  return method.charAt(0).toUpperCase() + method.slice(1);
}

function fakeCpu(ts: number, u: FakeUsage): NonNullable<ContainerStats['cpu']> {
  return { timestamp: ts, usageCoreNanoSeconds: { value: u.cpuCoreNanos ?? 0 } };
}

function fakeMemory(ts: number, u: FakeUsage): NonNullable<ContainerStats['memory']> {
  const m: NonNullable<ContainerStats['memory']> = { timestamp: ts, workingSetBytes: { value: u.workingSetBytes ?? 0 } };
  if (u.availableBytes !== undefined) m.availableBytes = { value: u.availableBytes };
  if (u.usageBytes !== undefined) m.usageBytes = { value: u.usageBytes };
  if (u.rssBytes !== undefined) m.rssBytes = { value: u.rssBytes };
  if (u.pageFaults !== undefined) m.pageFaults = { value: u.pageFaults };
  if (u.majorPageFaults !== undefined) m.majorPageFaults = { value: u.majorPageFaults };
  return m;
}
