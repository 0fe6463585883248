# Generates the NumPy reference files used by NpyTests (run with python3 + numpy 1.24).
# real_x_f4.npy / real_y_f8.npy are copies of golden/case_037/x.npy and y.npy.
import numpy as np
from numpy.lib import format as fmt


def save_version(name, arr, version):
    with open(name, "wb") as f:
        fmt.write_array(f, arr, version=version)


np.save("f2_2x3.npy", np.array([[0.5, -1.25, 3.140625], [65504.0, -0.0, 2.0 ** -24]], dtype="<f2"))
np.save("be_f2.npy", np.array([1.0, -0.5, 0.1], dtype=">f2"))
np.save("be_f4.npy", np.array([1.5, -2.25, 1e-3], dtype=">f4"))
np.save("be_f8.npy", np.array([[1.0 / 3.0, -2.5], [1e300, 5e-324]], dtype=">f8"))
save_version("v2_f4.npy", np.array([[1.0, 2.0], [3.0, 4.5]], dtype="<f4"), (2, 0))
save_version("v3_f8.npy", np.array([0.25, -8.0, 1e-10], dtype="<f8"), (3, 0))
np.save("scalar_f8.npy", np.array(3.25, dtype="<f8"))
np.save("vec5_f4.npy", np.arange(5, dtype="<f4") * np.float32(0.1))
np.save("fortran_2x3_f8.npy", np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)))
np.save("fortran_2x3x4_f4.npy", np.asfortranarray(np.arange(24, dtype="<f4").reshape(2, 3, 4)))
np.save("empty_0x3_f4.npy", np.zeros((0, 3), dtype="<f4"))
np.save("i4.npy", np.arange(3, dtype="<i4"))
np.save("c16.npy", np.array([1 + 2j], dtype="<c16"))
np.save("structured.npy", np.zeros(2, dtype=[("a", "<f4")]))
np.save("object.npy", np.array([1, "a"], dtype=object), allow_pickle=True)

# Writer references: NpyTests writes the same values and compares bytes.
np.save("wr_f4_2x3.npy", (np.arange(6, dtype="<f4") * np.float32(0.5)).reshape(2, 3))
np.save("wr_f8_5.npy", np.arange(5, dtype="<f8") / 3.0)
np.save("wr_f8_scalar.npy", np.array(-1.5, dtype="<f8"))
np.save("wr_f4_1x2x3x4.npy", np.arange(24, dtype="<f4").reshape(1, 2, 3, 4) - np.float32(7.25))
# Header whose unpadded length is already a multiple of 64: numpy still adds a full 64 bytes of padding.
np.save("wr_f4_pad64.npy", np.zeros((0, 0, 0, 100, 100, 100, 100, 100, 100, 100), dtype="<f4"))
