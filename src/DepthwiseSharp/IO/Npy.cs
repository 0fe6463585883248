namespace DepthwiseSharp.IO;

/// <summary>NumPy .npy files. Placeholder: the NPY helper replaces this file.</summary>
public static class Npy
{
}
