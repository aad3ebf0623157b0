// The synthetic demo subject as the page's engine worker reports it once loaded: the model the
// export tests put responses under.
import type { LoadedModelInfo } from '../../src/app/protocol.ts';
import { DEFAULT_CH_NAMES, DEFAULT_TIMES } from '../../src/app/state/store.ts';

export const DEMO_MODEL: LoadedModelInfo = {
  modelId: 'eeg-things_eeg_2-alexnet_untrained',
  subject: 'demo',
  synthetic: true,
  backend: 'wasm',
  chNames: DEFAULT_CH_NAMES,
  times: DEFAULT_TIMES,
  weightsSha256: {},
  generator: { kind: 'erp-templates/1', seed: 20240607 },
  precision: 'exact',
};
