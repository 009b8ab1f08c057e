"""Independent oracle: runs a .tflite with Arm NN's TFLite parser on the CpuRef backend.
Usage: /usr/bin/python3 armnn_infer.py model.tflite inputs.npy outputs.npy
inputs.npy holds N samples in the model's input shape (without or with the batch 1); outputs.npy
receives N outputs in the model's output type."""
import sys
import numpy as np
import pyarmnn as ann

model, inputs, outputs = sys.argv[1:4]
parser = ann.ITfLiteParser()
network = parser.CreateNetworkFromBinaryFile(model)
in_name = parser.GetSubgraphInputTensorNames(0)[0]
out_name = parser.GetSubgraphOutputTensorNames(0)[0]
in_binding = parser.GetNetworkInputBindingInfo(0, in_name)
out_binding = parser.GetNetworkOutputBindingInfo(0, out_name)
runtime = ann.IRuntime(ann.CreationOptions())
optimized, _ = ann.Optimize(network, [ann.BackendId('CpuRef')], runtime.GetDeviceSpec(), ann.OptimizerOptions())
net_id, _ = runtime.LoadNetwork(optimized)
shape = in_binding[1].GetShape()
in_shape = [shape[i] for i in range(shape.GetNumDimensions())]
x = np.load(inputs)
x = x.reshape([-1] + in_shape[1:])
results = []
for sample in x:
    in_tensors = ann.make_input_tensors([in_binding], [np.ascontiguousarray(sample.reshape(in_shape))])
    out_tensors = ann.make_output_tensors([out_binding])
    runtime.EnqueueWorkload(net_id, in_tensors, out_tensors)
    results.append(ann.workload_tensors_to_ndarray(out_tensors)[0].reshape(-1))
np.save(outputs, np.stack(results))
