// The starting networks New Config… and `tinytrain init` offer: data only, no imports, so the
// extension host's picker shows them (through protocol/catalog.ts) without bundling the compiler.
// compiler/new-config.ts turns a starter and a board into a config.

/**
 * Where a new config's network comes from: an example's network (`tinytrain init --network <id>`)
 * or an int8 model file the config imports (`tinytrain init --from <file.tflite | file.onnx>`).
 */
export type StarterSource = { kind: 'example'; id: string } | { kind: 'model-file'; path: string };

/** The model files `model: { import: }` reads (and New Config… and `init --from` start from). */
export const MODEL_FILE_EXTENSIONS = ['tflite', 'onnx'] as const;
export type ModelFileExtension = (typeof MODEL_FILE_EXTENSIONS)[number];
/** The model format a path names by its extension (any case), or undefined for another file. */
export function modelFileExtension(path: string): ModelFileExtension | undefined {
  const ext = /\.(\w+)$/.exec(path)?.[1].toLowerCase();
  return MODEL_FILE_EXTENSIONS.find((e) => e === ext);
}
export const isModelFilePath = (path: string): boolean => modelFileExtension(path) !== undefined;
/** The file's name without its folder and model extension: what a config written for it is named. */
export const modelFileStem = (path: string): string => {
  const name = path.replace(/^.*[\\/]/, '');
  return isModelFilePath(name) ? name.replace(/\.\w+$/, '') : name;
};

export interface ExampleStarter {
  id: string;
  label: string;
  detail: string;
  /** The example config whose sections are copied, relative to the examples folder. */
  example: string;
}

export const EXAMPLE_STARTERS: readonly ExampleStarter[] = [
  {
    id: 'mnist-transfer', label: 'MNIST transfer (small MCUNet-style network, 28x28x1)', example: 'mnist-transfer/transfer.tinytrain.yaml',
    detail: 'pretrained on the host on digits 0-4, learns digits 5-9 on the device; trains on the virtual board at once',
  },
  {
    id: 'mcunet-5fps', label: 'MCUNet-5FPS (the paper\'s network, 128x128x3, 10 classes)', example: 'mcunet-5fps/99kb.tinytrain.yaml',
    detail: 'the paper\'s backbone with no data: section (analysis, compile and firmware sizes; add your data to train)',
  },
];
