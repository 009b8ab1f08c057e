// How generated C hands a trained int8 weight to its update kernel: the SRAM slice alone, or,
// with train.weight_rounding: residual, the slice and its residual array (same layout) to the
// kernel's `_residual` twin. Without a residual the C is what it was before the option existed.

export interface WeightUpdateNames {
  /** The update kernel's name: `name`, or `name_residual`. */
  kernel(name: string): string;
  /** The weight arguments of `<base>_w_sram` (plus ` + offset`), and of `<base>_w_res` with a residual. */
  target(base: string, offset?: string): string;
  /** The conv / pointwise weight gradient + SGD kernel: its fast (register-blocked) twin or its
   *  reference loop, which sum alike (fmaf, tt_fused.h). */
  convWeightGrad(fast: boolean): string;
}

export function weightUpdateNames(residual: boolean): WeightUpdateNames {
  return {
    kernel: (name) => (residual ? `${name}_residual` : name),
    target: (base, offset = '') => (residual ? `${base}_w_sram${offset}, ${base}_w_res${offset}` : `${base}_w_sram${offset}`),
    convWeightGrad: (fast) => `${residual ? 'tt_conv2d_s8_weight_grad_fma_sgd_residual' : 'tt_conv2d_s8_weight_grad_fma_sgd'}${fast ? '_fast' : ''}`,
  };
}
