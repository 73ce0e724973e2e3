/**
 * Admission: plugins that see every write after decoding and before storage, in upstream's order:
 * mutating `admit` hooks (may change the object) → the write pipeline (defaults, validation) →
 * validating `validate` hooks (may only refuse). A plugin refuses by throwing an ApiError (403
 * Forbidden for policy, 422 Invalid for bad values). Plugins run on dry runs too (and must not
 * persist side effects then).
 */
import type { KubeObject, ResourceDef, UserInfo } from '../../api/types.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  operation: AdmissionOperation;
  def: ResourceDef;
  namespace: string;
  name: string;
  /** The object being written (CREATE/UPDATE); mutable in `admit`. */
  object?: KubeObject;
  /** The stored object (UPDATE/DELETE). */
  oldObject?: KubeObject;
  subresource: string;
  user: UserInfo;
  dryRun: boolean;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutating phase: may change `req.object`. */
  admit?(req: AdmissionRequest): void | Promise<void>;
  /** Validating phase: may only refuse. */
  validate?(req: AdmissionRequest): void | Promise<void>;
}

/** Runs a chain of plugins; each phase in registration order. */
export class AdmissionChain {
  constructor(private readonly plugins: readonly AdmissionPlugin[] = []) {}

  async admit(req: AdmissionRequest): Promise<void> {
    for (const p of this.plugins) if (p.admit) await p.admit(req);
  }

  async validate(req: AdmissionRequest): Promise<void> {
    for (const p of this.plugins) if (p.validate) await p.validate(req);
  }

  get size(): number {
    return this.plugins.length;
  }
}
