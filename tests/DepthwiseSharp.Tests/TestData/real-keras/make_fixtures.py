#!/usr/bin/env python3
"""Writes the real-Keras fixtures of tests/DepthwiseSharp.Tests/RealKeras (issue #18) into this folder, with Keras 3.15.1.

Run once (never by the tests), from anywhere, with real Keras (see shared/real-keras/README.md):

    KERAS_BACKEND=torch PYTHONPATH=/tmp/rk-env/site /usr/bin/python3 make_fixtures.py

It writes, seeded (the random values are the same on every run; the HDF5 and zip files carry a save date):

- `functional_<dtype>_<cl|cf>.{h5,keras,weights.h5}`: a Functional model InputLayer `signal` -> DepthwiseConv1D
  `dw_first` -> Activation `squash` -> Dropout `drop` -> DepthwiseConv1D `dw_second`, in float32 and float64,
  channels_last (cl) and channels_first (cf), saved as Keras saves it three ways (legacy `.h5` with `model.save`).
  With each: `.x.npy` (the input), `.y.npy` (Keras's output of the model), `.dw_first.y.npy` (Keras's output of
  `dw_first` on x), `.dw_second.x.npy` (the input `dw_second` receives inside the model: Dropout is the identity at
  inference).
- `nested.h5`: a Functional model whose second layer is a Sequential (`inner`: DepthwiseConv1D `in_dw` -> Activation),
  legacy `.h5`, with `nested.x.npy`, `nested.y.npy` and `nested.outer_dw.y.npy`.
- `functional_empty_int_weight_names.h5` and `functional_float_weight_names.h5`: `functional_float32_cl.h5` with the
  `weight_names` of `drop` made an empty int32 array, and those of `squash` the float64 array [1.0, 2.0] (by h5py).
- `configs.json`: Keras's own `get_config()` of DepthwiseConv1D layers (initializers None, Identity, ordinary arguments);
  what Keras's `add_weight` did for a layer built with None initializers; what Keras makes of an Identity config that
  carries a gain.
- `errors.json`: the exact text of the exception real Keras raises for each bad argument (None where it raises nothing).
"""
import json
import os
import sys

# Python's set order (Keras prints {'valid', 'same'} in its padding error) depends on the string hash seed: fix it, so
# that a rerun writes the same errors.json.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})

import rk_torch_shim  # noqa: E402,F401  (before keras)

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers as L  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))
assert keras.__version__ == "3.15.1", keras.__version__
keras.utils.set_random_seed(1818)
rng = np.random.default_rng(1818)


def save_npy(name, array):
    np.save(os.path.join(OUT, name), np.asarray(keras.ops.convert_to_numpy(array)))


def random_weights(model):
    for layer in model.layers:
        if isinstance(layer, L.DepthwiseConv1D):
            layer.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(w.dtype) for w in layer.get_weights()])


# ---------------------------------------------------------------- Functional models, 2 dtypes x 2 data formats
LENGTH, CHANNELS = 16, 3
for dtype in ("float32", "float64"):
    for df, short in (("channels_last", "cl"), ("channels_first", "cf")):
        tag = f"functional_{dtype}_{short}"
        shape = (LENGTH, CHANNELS) if df == "channels_last" else (CHANNELS, LENGTH)
        inp = keras.Input(shape=shape, name="signal", dtype=dtype)
        a = L.DepthwiseConv1D(3, padding="same", depth_multiplier=2, dilation_rate=2, activation="relu",
                              data_format=df, dtype=dtype, name="dw_first")(inp)
        b = L.Activation("tanh", name="squash", dtype=dtype)(a)
        c = L.Dropout(0.3, name="drop", dtype=dtype)(b)
        d = L.DepthwiseConv1D(5, strides=2, padding="valid", data_format=df, dtype=dtype, name="dw_second")(c)
        model = keras.Model(inp, d, name=f"functional_{short}")
        random_weights(model)

        x = rng.standard_normal((2,) + shape).astype(dtype)
        save_npy(f"{tag}.x.npy", x)
        save_npy(f"{tag}.y.npy", model(x))
        save_npy(f"{tag}.dw_first.y.npy", model.get_layer("dw_first")(x))
        save_npy(f"{tag}.dw_second.x.npy", keras.Model(inp, c)(x))
        model.save(os.path.join(OUT, f"{tag}.h5"))
        model.save(os.path.join(OUT, f"{tag}.keras"))
        model.save_weights(os.path.join(OUT, f"{tag}.weights.h5"))

# ---------------------------------------------------------------- a Sequential nested in a Functional, legacy .h5
inner = keras.Sequential([L.DepthwiseConv1D(3, depth_multiplier=2, name="in_dw"), L.Activation("tanh", name="in_act")],
                         name="inner")
inp = keras.Input(shape=(12, 3), name="signal")
outer = L.DepthwiseConv1D(3, padding="same", activation="relu", name="outer_dw")
nested = keras.Model(inp, inner(outer(inp)), name="nested")
random_weights(nested)
random_weights(inner)
x = rng.standard_normal((2, 12, 3)).astype("float32")
save_npy("nested.x.npy", x)
save_npy("nested.y.npy", nested(x))
save_npy("nested.outer_dw.y.npy", nested.get_layer("outer_dw")(x))
nested.save(os.path.join(OUT, "nested.h5"))

# ---------------------------------------------------------------- weight_names of other types (h5py, on Keras's file)
# An empty int32 array (any empty array means "no weights") and a non-empty float64 one (not a Keras attribute).
import h5py  # noqa: E402
import shutil  # noqa: E402

for suffix, layer_name, value in (("empty_int_weight_names", "drop", np.zeros((0,), "int32")),
                                  ("float_weight_names", "squash", np.array([1.0, 2.0]))):
    path = os.path.join(OUT, f"functional_{suffix}.h5")
    shutil.copyfile(os.path.join(OUT, "functional_float32_cl.h5"), path)
    with h5py.File(path, "r+") as f:
        f["model_weights"][layer_name].attrs["weight_names"] = value

# ---------------------------------------------------------------- get_config() of DepthwiseConv1D layers
layers = {
    "initializers_none": L.DepthwiseConv1D(3, depthwise_initializer=None, bias_initializer=None, name="init_none"),
    "depthwise_initializer_none": L.DepthwiseConv1D(3, depthwise_initializer=None, name="kernel_init_none"),
    "bias_initializer_none": L.DepthwiseConv1D(3, bias_initializer=None, name="bias_init_none"),
    "identity": L.DepthwiseConv1D(3, depthwise_initializer="identity", name="identity"),
    "identity_gain_2": L.DepthwiseConv1D(3, depthwise_initializer=keras.initializers.Identity(gain=2.0),
                                         name="identity_gain_2"),
    "defaults": L.DepthwiseConv1D(3, name="defaults"),
    "channels_first_float64": L.DepthwiseConv1D(
        5, strides=2, padding="same", depth_multiplier=3, data_format="channels_first", activation="relu",
        use_bias=False, depthwise_initializer=keras.initializers.HeNormal(seed=7),
        depthwise_regularizer=keras.regularizers.L2(0.01), activity_regularizer=keras.regularizers.L1(0.001),
        depthwise_constraint=keras.constraints.MaxNorm(2.0), dtype="float64", name="cf64"),
    "dilated_frozen": L.DepthwiseConv1D(
        (4,), dilation_rate=3, activation="gelu", bias_initializer=keras.initializers.Constant(0.5),
        bias_regularizer=keras.regularizers.L1L2(l1=0.01, l2=0.02), bias_constraint=keras.constraints.NonNeg(),
        trainable=False, name="dilated"),
}
configs = {name: layer.get_config() for name, layer in layers.items()}

# What Layer.add_weight does with initializer=None (float dtype: glorot_uniform, also for the bias).
none_layer = L.DepthwiseConv1D(3, depth_multiplier=2, depthwise_initializer=None, bias_initializer=None)
none_layer.build((None, 8, 4))
kernel, bias = (np.asarray(keras.ops.convert_to_numpy(w)) for w in none_layer.weights)
none_build = {
    "input_shape": [None, 8, 4],
    "kernel_shape": list(kernel.shape), "kernel_abs_max": float(np.abs(kernel).max()),
    "bias_shape": list(bias.shape), "bias_abs_max": float(np.abs(bias).max()), "bias_all_zero": bool((bias == 0).all()),
}

# Keras's Identity has no get_config (gain is dropped), but its from_config takes a gain: what it fills with one.
identity_from_gain = keras.initializers.Identity.from_config({"gain": 2.0})
identity_gain = {
    "config": {"gain": 2.0},
    "values_2x3": np.asarray(keras.ops.convert_to_numpy(identity_from_gain(shape=(2, 3)))).tolist(),
    "get_config": keras.initializers.Identity(gain=2.0).get_config(),
}
with open(os.path.join(OUT, "configs.json"), "w") as f:
    json.dump({"keras_version": keras.__version__, "configs": configs, "none_initializers_build": none_build,
               "identity_gain_config": identity_gain}, f, indent=1)

# ---------------------------------------------------------------- exception texts
# via: "constructor" DepthwiseConv1D(**kwargs); "from_config" DepthwiseConv1D.from_config(kwargs) (Keras wraps the
# constructor's error: the inner text is kept); "call" the layer on zeros of input_shape (built on build_shape first
# when given); "compute_output_shape" on input_shape.
CASES = [
    ("kernel_size_list", "constructor", {"kernel_size": [3, 3]}, None, None),
    ("kernel_size_zero", "constructor", {"kernel_size": 0}, None, None),
    ("strides_zero", "constructor", {"kernel_size": 3, "strides": 0}, None, None),
    ("dilation_rate_zero", "constructor", {"kernel_size": 3, "dilation_rate": 0}, None, None),
    ("depth_multiplier_zero", "constructor", {"kernel_size": 3, "depth_multiplier": 0}, None, None),
    ("padding_causal", "constructor", {"kernel_size": 3, "padding": "causal"}, None, None),
    ("padding_foo", "constructor", {"kernel_size": 3, "padding": "foo"}, None, None),
    ("padding_upper", "constructor", {"kernel_size": 3, "padding": "FULL"}, None, None),
    ("data_format_foo", "constructor", {"kernel_size": 3, "data_format": "foo"}, None, None),
    ("data_format_mixed_case", "constructor", {"kernel_size": 3, "data_format": "Channels_Middle"}, None, None),
    ("strides_2_dilation_2", "constructor", {"kernel_size": 3, "strides": 2, "dilation_rate": 2}, None, None),
    ("config_kernel_size_list", "from_config", {"kernel_size": [3, 3]}, None, None),
    ("config_kernel_size_zero_list", "from_config", {"kernel_size": [0]}, None, None),
    ("config_strides_zero_list", "from_config", {"kernel_size": [3], "strides": [0]}, None, None),
    ("config_kernel_size_float", "from_config", {"kernel_size": 3.5}, None, None),
    ("config_depth_multiplier_zero", "from_config", {"kernel_size": [3], "depth_multiplier": 0}, None, None),
    ("config_padding_foo", "from_config", {"kernel_size": [3], "padding": "foo"}, None, None),
    ("config_data_format_foo", "from_config", {"kernel_size": [3], "data_format": "foo"}, None, None),
    ("call_shorter_than_kernel", "call", {"kernel_size": 5}, [4, 3, 2], None),
    ("call_shorter_channels_first", "call", {"kernel_size": 5, "depth_multiplier": 3, "data_format": "channels_first"},
     [4, 2, 3], None),
    ("call_shorter_than_dilated_kernel", "call", {"kernel_size": 3, "dilation_rate": 2}, [4, 4, 2], None),
    ("call_strided_no_output", "call", {"kernel_size": 4, "strides": 3}, [1, 3, 2], None),
    ("call_later_shorter", "call", {"kernel_size": 5}, [4, 3, 2], [4, 8, 2]),
    ("compute_output_shape_shorter", "compute_output_shape", {"kernel_size": 5}, [None, 3, 2], None),
]
errors = []
for name, via, kwargs, input_shape, build_shape in CASES:
    entry = {"name": name, "via": via, "kwargs": kwargs}
    if input_shape is not None:
        entry["input_shape"] = input_shape
    if build_shape is not None:
        entry["build_shape"] = build_shape
    try:
        if via == "constructor":
            L.DepthwiseConv1D(**kwargs)
        elif via == "from_config":
            L.DepthwiseConv1D.from_config(dict(kwargs))
        elif via == "call":
            layer = L.DepthwiseConv1D(**kwargs)
            if build_shape is not None:
                layer(np.zeros(build_shape, "float32"))
            layer(np.zeros(input_shape, "float32"))
        else:
            L.DepthwiseConv1D(**kwargs).compute_output_shape(tuple(input_shape))
        entry["error_type"] = None
        entry["message"] = None
    except Exception as e:  # noqa: BLE001 (every exception Keras raises is the datum)
        text = str(e)
        entry["error_type"] = type(e).__name__
        # from_config wraps the constructor's error in "Error when deserializing class ... Exception encountered: <it>".
        entry["message"] = text.split("Exception encountered: ", 1)[1] if "Exception encountered: " in text else text
    errors.append(entry)
with open(os.path.join(OUT, "errors.json"), "w") as f:
    json.dump({"keras_version": keras.__version__, "backend": keras.backend.backend(), "cases": errors}, f, indent=1,
              ensure_ascii=False)
print(f"wrote {OUT} with Keras {keras.__version__}")
