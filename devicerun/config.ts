// A config made ready for a device build: prepare() when it has data (pretrained and quantized
// weights), else synthetic weights (He init, calibrated on random inputs) as `tinytrain compile`
// does, for configs such as the MCUNet examples that only describe the network.
import { loadConfig, prepare, type Log, type Prepared } from '../training/prepare.js';
import { prepareSynthetic } from '../training/synthetic.js';
import { workDir } from '../training/workspace.js';

export async function prepareForDevice(configPath: string, log: Log = () => {}, data?: string, signal?: AbortSignal): Promise<{ prepared: Prepared; synthetic: boolean }> {
  const loaded = loadConfig(configPath);
  const { spec } = loaded;
  if (spec.data || data) return { prepared: await prepare(loaded, log, data, signal), synthetic: false };
  log('note: the config has no data: section; random He weights calibrated on random inputs, random samples');
  const prepared = await prepareSynthetic(loaded, { dir: workDir(configPath, spec.model.name, 'synthetic'), train: 8, test: 2 });
  return { prepared: { ...prepared, configPath }, synthetic: true };
}
