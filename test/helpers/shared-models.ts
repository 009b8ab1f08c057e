// The real third-party int8 models in ../shared/models (read in place; never copied into the
// project), with the facts about each that tests check the importer against.
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', '..', '..', 'shared', 'models');

export interface SharedModel { file: string; path: string; input: number[]; classes: number; convs: number; residualAdds: number }

export const SHARED_MODELS: SharedModel[] = [
  { file: 'mlperf_tiny_vww_96_int8.tflite', input: [1, 96, 96, 3], classes: 2, convs: 27, residualAdds: 0 },
  { file: 'mlperf_tiny_resnet8_cifar10_int8.tflite', input: [1, 32, 32, 3], classes: 10, convs: 9, residualAdds: 3 },
  { file: 'mlperf_tiny_kws_dscnn_int8.tflite', input: [1, 49, 10, 1], classes: 12, convs: 9, residualAdds: 0 },
  { file: 'tflm_person_detect_96_int8.tflite', input: [1, 96, 96, 1], classes: 2, convs: 27, residualAdds: 0 },
].map((m) => ({ ...m, path: join(DIR, m.file) }));

export const sharedModel = (file: string): SharedModel => SHARED_MODELS.find((m) => m.file === file)!;
