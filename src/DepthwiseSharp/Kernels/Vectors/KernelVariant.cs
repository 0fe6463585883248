using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The instruction-set widths a kernel can run at. One dispatch for every vectorized loop of the library: the forward
/// and backward kernels take a variant as an argument, and <see cref="VectorOps"/> too; the activation loops
/// (<c>Activations.Loops</c>), which are reached through the public activation API, read
/// <see cref="KernelVariants.Current"/>. Tests run every supported variant against the references in one process.
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
    // The variant forced on this thread, if any. Thread-static rather than process-wide so that tests forcing different
    // widths can run in parallel; the forward executor carries it onto its worker threads for the fused epilogue.
    [ThreadStatic]
    private static KernelVariant? t_forced;

    /// <summary>All variants this machine can run, narrowest first.</summary>
    public static IReadOnlyList<KernelVariant> Supported { get; } = BuildSupported();

    /// <summary>The widest supported variant: what every call runs at unless a test forces another.</summary>
    public static KernelVariant Best { get; } = Supported[^1];

    /// <summary>The variant the calling thread runs at: the one forced by <see cref="Force"/>, else <see cref="Best"/>.</summary>
    public static KernelVariant Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_forced ?? Best;
    }

    /// <summary>
    /// Makes <see cref="Current"/> return <paramref name="variant"/> on this thread until the returned scope is disposed
    /// (scopes nest). Where the code promises results independent of the width, this is how tests check it width by
    /// width in one process; the forward executor also uses it to run a fused epilogue at the kernel's width.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">This machine does not run <paramref name="variant"/>.</exception>
    public static Scope Force(KernelVariant variant)
    {
        // Supported is Scalar and then each accelerated width up to Best, so a range check is a membership check.
        if (variant is not (KernelVariant.Scalar or KernelVariant.Vector128 or KernelVariant.Vector256 or KernelVariant.Vector512) || variant > Best)
        {
            throw new ArgumentOutOfRangeException(nameof(variant), variant, "This machine does not run that variant.");
        }

        var scope = new Scope(t_forced);
        t_forced = variant;
        return scope;
    }

    /// <summary>
    /// The width to which a kernel instantiated for the vector type <typeparamref name="TV"/> (<see cref="V128{T}"/>,
    /// <see cref="V256{T}"/>, <see cref="V512{T}"/> or the scalar <see cref="S{T}"/>) belongs; the JIT folds it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static KernelVariant Of<TV>()
        where TV : struct => Unsafe.SizeOf<TV>() switch
        {
            16 => KernelVariant.Vector128,
            32 => KernelVariant.Vector256,
            64 => KernelVariant.Vector512,
            _ => KernelVariant.Scalar,
        };

    /// <summary>Puts back, on dispose, the variant that was forced before <see cref="Force"/>; the default scope does nothing.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _active;
        private readonly KernelVariant? _previous;

        internal Scope(KernelVariant? previous)
        {
            _active = true;
            _previous = previous;
        }

        public void Dispose()
        {
            if (_active)
            {
                t_forced = _previous;
            }
        }
    }

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
