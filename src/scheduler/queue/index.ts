/** The scheduling queue: activeQ, backoffQ, unschedulable pods and event hints. Pure. */
export * from './scheduling-queue.js';
export { Heap } from './heap.js';
