// How generated C hands a trained int8 weight to its update kernel: the SRAM slice alone, or,
// with train.weight_rounding: residual, the slice and its residual array (same layout) to the
// kernel's `_residual` twin. Without a residual the C is what it was before the option existed.

export interface WeightUpdateNames {
  /** The update kernel's name: `name`, or `name_residual`. */
  kernel(name: string): string;
  /** The weight arguments of `<base>_w_sram` (plus ` + offset`), and of `<base>_w_res` with a residual. */
  target(base: string, offset?: string): string;
}

export function weightUpdateNames(residual: boolean): WeightUpdateNames {
  return {
    kernel: (name) => (residual ? `${name}_residual` : name),
    target: (base, offset = '') => (residual ? `${base}_w_sram${offset}, ${base}_w_res${offset}` : `${base}_w_sram${offset}`),
  };
}
