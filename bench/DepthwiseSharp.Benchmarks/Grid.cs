using DepthwiseSharp;

namespace DepthwiseSharp.Benchmarks;

/// <summary>The shapes of the speed issue: real model shapes, one list for every benchmark.</summary>
public sealed record Shape(string Name, int N, int L, int C, int K, int M, int Stride, int Dilation, Padding Padding)
{
    public static IReadOnlyList<Shape> Grid { get; } =
    [
        new("tiny 1x128x64 k3 same", 1, 128, 64, 3, 1, 1, 1, Padding.Same),
        new("32x1000x128 k9 same", 32, 1000, 128, 9, 1, 1, 1, Padding.Same),
        new("8x4096x1536 k4 valid", 8, 4096, 1536, 4, 1, 1, 1, Padding.Valid),
        new("16x2048x64 k5 M4 same", 16, 2048, 64, 5, 4, 1, 1, Padding.Same),
        new("16x4096x256 k7 s2 valid", 16, 4096, 256, 7, 1, 2, 1, Padding.Valid),
        new("16x4096x256 k7 d4 same", 16, 4096, 256, 7, 1, 1, 4, Padding.Same),
        new("64x8192x256 k7 same", 64, 8192, 256, 7, 1, 1, 1, Padding.Same),
    ];

    public Conv1DGeometry Geometry(DataFormat format) =>
        Conv1DGeometry.ForPadding(N, L, C, M, K, Stride, Dilation, Padding, format);

    public override string ToString() => Name;
}
