/** Simulated nodes (see README.md). */
export { Simulator, type SimulatorOptions, type SimulatorDeps, type SimStats } from './simulator.js';
export { buildNode, buildLease, nodeName, SIMULATED_LABEL, type NodeTemplate, type SimTaint } from './node-template.js';
export { stepPod, toSimPod, RUN_SECONDS_ANNOTATION, FAIL_ANNOTATION, type SimPod, type PodStep, type StepContext } from './pod-lifecycle.js';
