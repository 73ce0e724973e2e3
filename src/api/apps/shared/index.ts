/**
 * Helpers shared by the non-core built-in API groups (apps, batch, autoscaling, networking,
 * discovery, coordination, policy, events): upstream-exact generic checks, label selectors, Go-style
 * bad-value rendering and table cell helpers. Pure; no I/O.
 */
export * from './go-format.js';
export * from './selector.js';
export * from './values.js';
export * from './strategy.js';
export * from './core-refs.js';
