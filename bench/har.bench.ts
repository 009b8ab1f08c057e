// The HAR adaptation example (examples/har-adapt): a 1-D network over 2 s accelerometer windows,
// pretrained in fp32 on the first half of the recordings of ST's activity dataset
// (../shared/data/st_har), adapts on the device (int8, sparse update, QAS) to the second half as
// a new wearer. Accuracy on the new group's TEST recordings (split by recording) before and after
// adaptation, on the host (the generated int8 program built with gcc) and on the virtual board
// (stm32f405 in QEMU; windows streamed over SAMPLE frames through the AN3155-flashed firmware),
// with the planned and measured SRAM and the instructions per training window (bench/har-run.ts).
// Prints one JSON object last.
import { log, measureHar } from './har-run.js';

measureHar('examples/har-adapt/har.tinytrain.yaml')
  .then((r) => console.log(JSON.stringify({ example: 'har-adapt', ...r })))
  .catch((err) => { log(String(err?.stack ?? err)); process.exit(1); });
