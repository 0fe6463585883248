using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace DepthwiseSharp.Activations;

/// <summary>
/// An activation applied to each element on its own: y = f(z), dz = dy * f'(z). The last-axis length only has to
/// describe whole rows. y may be z itself, and dz may be z, y or dy itself.
/// </summary>
/// <typeparam name="TBackward">The op computing dy * f'(z) from (z, dy).</typeparam>
internal abstract class ElementwiseActivation<TBackward> : Activation
    where TBackward : struct, IBinaryOp
{
    /// <summary>Elements per chunk when float is computed through double.</summary>
    private const int Chunk = 256;

    private readonly string _name;
    private readonly bool _floatViaDouble;

    protected ElementwiseActivation(string name, bool floatViaDouble = false)
    {
        _name = name;
        _floatViaDouble = floatViaDouble;
    }

    public override string Name => _name;

    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> y, int lastAxisLength)
    {
        ActivationChecks.ElementType<T>();
        ActivationChecks.LastAxis(z.Length, lastAxisLength);
        ActivationChecks.Length(nameof(y), y.Length, z.Length);
        ActivationChecks.Alias<T>(y, z, nameof(y), nameof(z));
        if (z.IsEmpty)
        {
            return;
        }

        if (_floatViaDouble && typeof(T) == typeof(float))
        {
            ForwardViaDouble(MemoryMarshal.Cast<T, float>(z), MemoryMarshal.Cast<T, float>(y));
            return;
        }

        ForwardCore(z, y);
    }

    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dz, int lastAxisLength)
    {
        ActivationChecks.ElementType<T>();
        ActivationChecks.LastAxis(z.Length, lastAxisLength);
        ActivationChecks.Length(nameof(y), y.Length, z.Length);
        ActivationChecks.Length(nameof(dy), dy.Length, z.Length);
        ActivationChecks.Length(nameof(dz), dz.Length, z.Length);
        ActivationChecks.Alias<T>(dz, z, nameof(dz), nameof(z));
        ActivationChecks.Alias<T>(dz, y, nameof(dz), nameof(y));
        ActivationChecks.Alias<T>(dz, dy, nameof(dz), nameof(dy));
        if (_floatViaDouble && typeof(T) == typeof(float))
        {
            BackwardViaDouble(MemoryMarshal.Cast<T, float>(z), MemoryMarshal.Cast<T, float>(dy), MemoryMarshal.Cast<T, float>(dz));
            return;
        }

        Loops.Map2(z, dy, dz, default(TBackward));
    }

    /// <summary>y = f(z) after validation; y is z itself or disjoint from it.</summary>
    protected abstract void ForwardCore<T>(ReadOnlySpan<T> z, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>;

    private void ForwardViaDouble(ReadOnlySpan<float> z, Span<float> y)
    {
        Span<double> buffer = stackalloc double[Chunk];
        for (int start = 0; start < z.Length; start += Chunk)
        {
            int count = Math.Min(Chunk, z.Length - start);
            Span<double> b = buffer[..count];
            TensorPrimitives.ConvertTruncating<float, double>(z.Slice(start, count), b);
            ForwardCore<double>(b, b);
            TensorPrimitives.ConvertTruncating<double, float>(b, y.Slice(start, count));
        }
    }

    private static void BackwardViaDouble(ReadOnlySpan<float> z, ReadOnlySpan<float> dy, Span<float> dz)
    {
        Span<double> bz = stackalloc double[Chunk];
        Span<double> bdy = stackalloc double[Chunk];
        for (int start = 0; start < z.Length; start += Chunk)
        {
            int count = Math.Min(Chunk, z.Length - start);
            Span<double> zc = bz[..count], dyc = bdy[..count];
            TensorPrimitives.ConvertTruncating<float, double>(z.Slice(start, count), zc);
            TensorPrimitives.ConvertTruncating<float, double>(dy.Slice(start, count), dyc);
            Loops.Map2<double, TBackward>(zc, dyc, zc, default);
            TensorPrimitives.ConvertTruncating<double, float>(zc, dz.Slice(start, count));
        }
    }
}

/// <summary>An elementwise activation whose forward pass is the op <typeparamref name="TForward"/>.</summary>
/// <typeparam name="TForward">The op computing f(z).</typeparam>
/// <typeparam name="TBackward">The op computing dy * f'(z) from (z, dy).</typeparam>
internal abstract class MappedActivation<TForward, TBackward> : ElementwiseActivation<TBackward>
    where TForward : struct, IUnaryOp
    where TBackward : struct, IBinaryOp
{
    protected MappedActivation(string name, bool floatViaDouble = false)
        : base(name, floatViaDouble)
    {
    }

    protected override void ForwardCore<T>(ReadOnlySpan<T> z, Span<T> y) => Loops.Map(z, y, default(TForward));
}
