// What the editor (and any other caller) uses to build, flash and train on a board. Every
// long-running function takes a progress callback and an AbortSignal.
export { buildDeviceFirmware, FirmwareBudgetError, int8Samples, requireArmToolchain, type DeviceBuildOptions, type DeviceFirmware, type Progress } from './build.js';
export { buildAndMeasure, measureFirmware, type BuildReport, type MeasureOptions, type SramMeasurement } from './measure.js';
export { flashFirmware, expandFlashCommand, type FlashFirmwareOptions, type FlashOutcome } from './flash.js';
export { trainOnDevice, startVirtualBoard, type TrainOnDeviceOptions, type TrainOnDeviceResult, type DeviceProgress, type DevicePhase } from './train.js';
export { streamTraining, openSerialTransport, startQemuTransport, flagSamples, type Transport, type StreamOptions, type StreamResult } from './session.js';
export { prepareForDevice } from './config.js';
