/** The scheduling framework: extension points, Status, Snapshot, CycleState and the cycle runner. Pure. */
export * from './status.js';
export * from './cycle-state.js';
export * from './resource.js';
export * from './pod-info.js';
export * from './node-info.js';
export * from './snapshot.js';
export * from './interfaces.js';
export * from './fit-error.js';
export * from './framework.js';
