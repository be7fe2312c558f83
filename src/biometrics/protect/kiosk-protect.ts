// The kiosk's last step before anything leaves it: normalise the descriptor, apply the deployment's
// cancelable transform, and seal the protected template to the hub (fresh nonce and timestamp).
import { assert } from '../../shared/assert.ts';
import type { CancelableTransform } from './cancelable-transform.ts';
import { sealProbe } from './probe-seal.ts';

export function protectProbe(options: {
  descriptor: Float32Array;
  transform: CancelableTransform;
  hubPublicKey: Uint8Array;
  modelId: string;
  nowMs: number;
}): Uint8Array {
  const { descriptor, transform } = options;
  assert(descriptor.length === transform.dimension, 'descriptor and transform dimensions agree');
  let norm = 0;
  for (const value of descriptor) norm += value * value;
  norm = Math.sqrt(norm);
  assert(norm > 0 && Number.isFinite(norm), 'a descriptor has a finite, non-zero norm');
  const unit = descriptor.map((value) => value / norm);
  const protectedTemplate = transform.apply(unit);
  unit.fill(0);
  const sealed = sealProbe({
    hubPublicKey: options.hubPublicKey,
    template: protectedTemplate,
    modelId: options.modelId,
    nowMs: options.nowMs,
  });
  protectedTemplate.fill(0);
  return sealed;
}
