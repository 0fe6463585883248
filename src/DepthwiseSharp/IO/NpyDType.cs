namespace DepthwiseSharp.IO;

/// <summary>The element types that <see cref="Npy"/> reads and writes.</summary>
/// <remarks>
/// These are NumPy's IEEE floating-point types. The byte order of the file (<c>&lt;</c>, <c>&gt;</c>,
/// <c>=</c> or <c>|</c>) is not part of the type: <see cref="Npy.Read(Stream, string)"/> converts to the
/// machine's order while reading.
/// </remarks>
public enum NpyDType
{
    /// <summary>IEEE 754 binary16, NumPy <c>float16</c> (descr <c>&lt;f2</c>), held as <see cref="Half"/>.</summary>
    Float16,

    /// <summary>IEEE 754 binary32, NumPy <c>float32</c> (descr <c>&lt;f4</c>), held as <see cref="float"/>.</summary>
    Float32,

    /// <summary>IEEE 754 binary64, NumPy <c>float64</c> (descr <c>&lt;f8</c>), held as <see cref="double"/>.</summary>
    Float64,
}

/// <summary>Facts about <see cref="NpyDType"/> values.</summary>
internal static class NpyDTypeInfo
{
    /// <summary>The size of one element in bytes.</summary>
    /// <param name="dtype">The element type.</param>
    /// <returns>2, 4 or 8.</returns>
    public static int ItemSize(this NpyDType dtype) => dtype switch
    {
        NpyDType.Float16 => 2,
        NpyDType.Float32 => 4,
        NpyDType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown NpyDType."),
    };

    /// <summary>The little-endian descr NumPy writes for the type.</summary>
    /// <param name="dtype">The element type.</param>
    /// <returns><c>&lt;f2</c>, <c>&lt;f4</c> or <c>&lt;f8</c>.</returns>
    public static string LittleEndianDescr(this NpyDType dtype) => dtype switch
    {
        NpyDType.Float16 => "<f2",
        NpyDType.Float32 => "<f4",
        NpyDType.Float64 => "<f8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown NpyDType."),
    };
}
