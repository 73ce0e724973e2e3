import { runBackendConformance } from '../conformance.js';
import { MemoryBackend } from './memory-backend.js';

runBackendConformance('memory', async () => new MemoryBackend());
