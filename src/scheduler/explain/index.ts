/** Per-node explanations of a scheduling decision (pure). */
export * from './explain.js';
