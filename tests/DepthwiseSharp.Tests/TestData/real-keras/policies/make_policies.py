"""Real Keras 3.15.1 (torch backend) under the 16-bit dtype policies: what DepthwiseSharp's policy tests compare with.

Run from a real-Keras environment (../shared/real-keras/setup.sh), in this folder:
    KERAS_BACKEND=torch PYTHONPATH=<site> python3 make_policies.py
For each policy it writes <policy>.json (the layer's get_config(), compute_dtype, variable_dtype, dtype) and, where
Keras's CPU backend computes in that type (bfloat16; torch's CPU convolution has no float16 kernel), the layer's output
on x.npy as <policy>.y.npy (the 16-bit values widened to float32, exactly).
"""
import json

import rk_torch_shim  # noqa: F401  (the real-keras environment's torch shim)
import keras
import numpy as np

rng = np.random.RandomState(7)
x = rng.randn(2, 40, 6).astype("float32")
kernel = (rng.randn(5, 6, 2) * 0.5).astype("float32")
bias = (rng.randn(12) * 0.1).astype("float32")
np.save("x.npy", x)
np.save("kernel.npy", kernel)
np.save("bias.npy", bias)
for name in ["mixed_float16", "mixed_bfloat16", "float16", "bfloat16"]:
    layer = keras.layers.DepthwiseConv1D(5, depth_multiplier=2, padding="same", activation="relu", dtype=name, name="dw")
    layer.build((None, 40, 6))
    layer.set_weights([kernel, bias])
    info = {
        "config": layer.get_config(),
        "compute_dtype": layer.compute_dtype,
        "variable_dtype": layer.variable_dtype,
        "dtype": layer.dtype,
        "kernel_dtype": str(layer.kernel.dtype),
        "bias_stored": np.asarray(layer.get_weights()[1]).astype("float32").tolist(),
    }
    try:
        y = layer(x)
        np.save(f"{name}.y.npy", keras.ops.convert_to_numpy(keras.ops.cast(y, "float32")))
        info["output_dtype"] = str(y.dtype)
    except RuntimeError as e:
        info["output_dtype"] = "not computed on CPU: " + str(e).splitlines()[0]
    with open(f"{name}.json", "w") as f:
        json.dump(info, f, indent=1)
try:
    keras.layers.DepthwiseConv1D(3, dtype="foo")
except ValueError as e:
    with open("errors.json", "w") as f:
        json.dump({"foo": str(e)}, f, indent=1)

# Whole models under each 16-bit policy, saved by Keras: float16 weights are float16 datasets, bfloat16 weights are
# opaque 2-byte datasets with the attribute dtype='bfloat16', mixed policies keep float32 datasets.
for name in ["float16", "bfloat16", "mixed_float16"]:
    model = keras.Sequential([keras.Input((40, 6)), keras.layers.DepthwiseConv1D(
        5, depth_multiplier=2, padding="same", activation="relu", dtype=name, name="dw")])
    model.layers[0].set_weights([kernel, bias])
    model.save(f"{name}.keras")
    if name != "mixed_float16":
        model.save_weights(f"{name}.weights.h5")
