"""What np.save writes for an ml_dtypes bfloat16 array ('|V2' raw values), and the same values as float32."""
import ml_dtypes
import numpy as np

values = np.array([[0.0, -0.0, 1.5, -2.25, 3.0e38, -1.0e-40], [np.inf, -np.inf, 0.1, 65504.0, 1.0e-5, -7.0]], dtype=np.float32)
np.save("values.bf16.npy", values.astype(ml_dtypes.bfloat16))
np.save("values.f32.npy", values.astype(ml_dtypes.bfloat16).astype(np.float32))
