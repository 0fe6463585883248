using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The instruction-set widths a kernel can run at. One list drives dispatch, tests and benchmarks: tests run every
/// supported variant against <see cref="ReferenceKernel"/>, dispatch picks <see cref="KernelVariants.Best"/>.
/// </summary>
internal enum KernelVariant
{
    Scalar = 0,
    Vector128 = 128,
    Vector256 = 256,
    Vector512 = 512,
}

internal static class KernelVariants
{
    /// <summary>All variants this machine can run, narrowest first.</summary>
    public static IReadOnlyList<KernelVariant> Supported { get; } = BuildSupported();

    /// <summary>The widest supported variant.</summary>
    public static KernelVariant Best { get; } = Supported[^1];

    private static KernelVariant[] BuildSupported()
    {
        var list = new List<KernelVariant> { KernelVariant.Scalar };
        if (Vector128.IsHardwareAccelerated)
        {
            list.Add(KernelVariant.Vector128);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            list.Add(KernelVariant.Vector256);
        }

        if (Vector512.IsHardwareAccelerated)
        {
            list.Add(KernelVariant.Vector512);
        }

        return [.. list];
    }
}
