/** Container probes of the node agent: see README.md. */
export {
  ProbeManager,
  type ContainerUpdate,
  type ProbeChange,
  type ProbeChangeListener,
  type ProbeEventSink,
  type ProbeManagerOptions,
} from './manager.js';
export { realClock, type ProbeClock } from './clock.js';
export {
  afterProbe,
  beforeProbe,
  initialResult,
  newProbeState,
  probeSettings,
  PROBE_DEFAULTS,
  type BeforeProbe,
  type ContainerView,
  type PodView,
  type ProbeKind,
  type ProbeOutcome,
  type ProbeSettings,
  type ProbeState,
  type Publish,
  type PublishCause,
} from './state.js';
export { allowedProbeHosts, expandStatic, probeAction, resolveContainerPort, type HttpHeader, type ProbeAction } from './target.js';
export {
  createProbeRunner,
  MAX_PROBE_OUTPUT,
  PROBE_USER_AGENT,
  runExecProbe,
  runGrpcProbe,
  runHttpProbe,
  runTcpProbe,
  type ProbeRunContext,
  type ProbeRunner,
  type ProbeRunResult,
} from './runners/index.js';
