namespace DepthwiseSharp.Bench;

/// <summary>One shape of the speed grid: batch, length, channels, kernel, multiplier, stride, dilation and padding.</summary>
internal sealed record Shape(string Name, int N, int L, int C, int K, int M, int S, int D, string Padding)
{
    /// <summary>The shape's sizes, padding and layout for the span API.</summary>
    public Conv1DGeometry Geometry(DataFormat format) =>
        Conv1DGeometry.ForPadding(N, L, C, M, K, S, D, KerasEnums.ParsePadding(Padding), format);
}

/// <summary>
/// The speed grid. bench/DepthwiseSharp.LibTorch compiles this file too, so that the ONNX Runtime and libtorch comparisons
/// run on the same shapes and select them the same way.
/// </summary>
internal static class Grid
{
    /// <summary>The shapes, in the order of the tables.</summary>
    public static readonly Shape[] Shapes =
    [
        new("1x128x64 k3 same", 1, 128, 64, 3, 1, 1, 1, "same"),
        new("32x1000x128 k9 same", 32, 1000, 128, 9, 1, 1, 1, "same"),
        new("8x4096x1536 k4 valid", 8, 4096, 1536, 4, 1, 1, 1, "valid"),
        new("16x2048x64 k5 M4 same", 16, 2048, 64, 5, 4, 1, 1, "same"),
        new("16x4096x256 k7 s2 valid", 16, 4096, 256, 7, 1, 2, 1, "valid"),
        new("16x4096x256 k7 d4 same", 16, 4096, 256, 7, 1, 1, 4, "same"),
        new("64x8192x256 k7 same", 64, 8192, 256, 7, 1, 1, 1, "same"),
    ];

    /// <summary>The shapes whose name contains <paramref name="text"/> (case-insensitive); all of them for null.</summary>
    /// <exception cref="BenchException"><paramref name="text"/> matches no shape (the message lists them).</exception>
    public static Shape[] Select(string? text)
    {
        if (text is null)
        {
            return Shapes;
        }

        var shapes = Shapes.Where(s => text.Trim().Length > 0 && s.Name.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase)).ToArray();
        if (shapes.Length == 0)
        {
            throw new BenchException($"--shape '{text}' matches no grid shape; the shapes are '{string.Join("', '", Shapes.Select(s => s.Name))}'");
        }

        return shapes;
    }
}
