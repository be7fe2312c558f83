// Renews a stored template without the face: open under the old data key, optionally re-key the cancelable
// transform, seal under the new data key. What `hub:admin rekey` runs over every row, one at a time.
import { assert } from '../../shared/assert.ts';
import type { Rekeyer } from './cancelable-transform.ts';
import type { Result } from './result.ts';
import { openTemplate, sealTemplate } from './template-seal.ts';
import type { TemplateBinding, TemplateSealErrorCode } from './template-seal.ts';

export function resealTemplate(options: {
  sealed: Uint8Array;
  binding: TemplateBinding;
  dimension: number;
  fromDataKey: Uint8Array;
  toDataKey: Uint8Array;
  /** Absent: only the data key rotates; the template keeps its transform. */
  rekeyer?: Rekeyer;
}): Result<Uint8Array, TemplateSealErrorCode> {
  const { binding, dimension, rekeyer } = options;
  assert(rekeyer === undefined || rekeyer.dimension === dimension, 'rekeyer dimension');
  assert(
    rekeyer === undefined ||
      binding.transformKeyId === undefined ||
      binding.transformKeyId === rekeyer.fromKeyId,
    'the rekeyer starts from the key the template is bound to',
  );
  const opened = openTemplate({
    dataKey: options.fromDataKey,
    binding,
    sealed: options.sealed,
    dimension,
  });
  if (!opened.ok) return opened;
  const template = opened.value;
  const renewed = rekeyer === undefined ? template : rekeyer.rekey(template);
  // A template bound to its transform key is re-bound to the new one.
  const renewedBinding =
    rekeyer !== undefined && binding.transformKeyId !== undefined
      ? { ...binding, transformKeyId: rekeyer.toKeyId }
      : binding;
  const sealed = sealTemplate({
    dataKey: options.toDataKey,
    binding: renewedBinding,
    template: renewed,
  });
  template.fill(0);
  renewed.fill(0);
  return { ok: true, value: sealed };
}
