using System.Numerics;
using System.Numerics.Tensors;
using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Activations;

/// <summary>
/// An activation that works on whole rows of the last axis (softmax, log_softmax, sparsemax). y may be z itself;
/// dz may be z, y or dy itself. Backward reads y and dy (z is only validated).
/// </summary>
internal abstract class RowActivation : Activation
{
    public override bool IsElementwise => false;

    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> y, int lastAxisLength)
    {
        ActivationChecks.ElementType<T>();
        ActivationChecks.LastAxis(z.Length, lastAxisLength);
        ActivationChecks.Length(nameof(y), y.Length, z.Length);
        ActivationChecks.Alias<T>(y, z, nameof(y), nameof(z));
        for (int start = 0; start < z.Length; start += lastAxisLength)
        {
            ForwardRow(z.Slice(start, lastAxisLength), y.Slice(start, lastAxisLength));
        }
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
        for (int start = 0; start < z.Length; start += lastAxisLength)
        {
            BackwardRow(y.Slice(start, lastAxisLength), dy.Slice(start, lastAxisLength), dz.Slice(start, lastAxisLength));
        }
    }

    /// <summary>One row, non-empty; y is z itself or disjoint from it.</summary>
    protected abstract void ForwardRow<T>(ReadOnlySpan<T> z, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>One row, non-empty; dz is y or dy itself or disjoint from both.</summary>
    protected abstract void BackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dz)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>exp(x).</summary>
    protected readonly struct ExpOp : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => TV.Exp(x);
    }
}

/// <summary>softmax over the last axis: exp(z - max z) / sum exp(z - max z).</summary>
internal sealed class SoftmaxActivation : RowActivation
{
    public override string Name => "softmax";

    protected override void ForwardRow<T>(ReadOnlySpan<T> z, Span<T> y)
    {
        T max = TensorPrimitives.Max(z);
        TensorPrimitives.Subtract(z, max, y);
        TensorPrimitives.Exp(y, y);
        TensorPrimitives.Divide(y, TensorPrimitives.Sum<T>(y), y);
    }

    protected override void BackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dz)
    {
        // dz = y * (dy - <dy, y>)
        T dot = TensorPrimitives.Dot(dy, y);
        Loops.Map2(y, dy, dz, new Grad(double.CreateTruncating(dot)));
    }

    private readonly struct Grad(double dot) : IBinaryOp
    {
        public TV Invoke<TV, T>(TV y, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => y * (dy - TV.Create(VMath.Cst<T>(dot)));
    }
}

/// <summary>log_softmax over the last axis: z - max z - log sum exp(z - max z).</summary>
internal sealed class LogSoftmaxActivation : RowActivation
{
    public override string Name => "log_softmax";

    protected override void ForwardRow<T>(ReadOnlySpan<T> z, Span<T> y)
    {
        T max = TensorPrimitives.Max(z);
        TensorPrimitives.Subtract(z, max, y);
        T logSum = T.Log(Loops.SumMap(y, default(ExpOp)));
        TensorPrimitives.Subtract(y, logSum, y);
    }

    protected override void BackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dz)
    {
        // dz = dy - softmax(z) * sum(dy), softmax(z) = exp(y)
        T sum = TensorPrimitives.Sum(dy);
        Loops.Map2(y, dy, dz, new Grad(double.CreateTruncating(sum)));
    }

    private readonly struct Grad(double sum) : IBinaryOp
    {
        public TV Invoke<TV, T>(TV y, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => dy - TV.Exp(y) * TV.Create(VMath.Cst<T>(sum));
    }
}

/// <summary>sparsemax over the last axis: max(z - tau, 0) with tau such that the row sums to 1.</summary>
internal sealed class SparsemaxActivation : RowActivation
{
    public override string Name => "sparsemax";

    protected override void ForwardRow<T>(ReadOnlySpan<T> z, Span<T> y)
    {
        // Michelot's projection onto the simplex: start from the whole row as the support S,
        // tau = (sum_S z - 1)/|S|, S = {z > tau}, until S stops shrinking. This finds the same tau as the sort-based
        // formula (the support is {z_(k) > (cumsum_k - 1)/k}) with no scratch memory; each pass is one vector sweep.
        int k = z.Length;
        T tau = (TensorPrimitives.Sum(z) - T.One) / T.CreateTruncating(k);
        for (int pass = 0; pass < z.Length; pass++)
        {
            T sum = Loops.MaskedSum(z, tau, z, out int count);
            if (count >= k || count == 0)
            {
                break;
            }

            k = count;
            tau = (sum - T.One) / T.CreateTruncating(k);
        }

        Loops.Map(z, y, new Shift(double.CreateTruncating(tau)));
    }

    protected override void BackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dz)
    {
        // J = diag(s) - s s^T / |S| with s the support indicator (y > 0): dz = s * (dy - mean_S dy).
        T sum = Loops.MaskedSum(y, T.Zero, dy, out int count);
        T mean = count == 0 ? T.Zero : sum / T.CreateTruncating(count);
        Loops.Map2(y, dy, dz, new Grad(double.CreateTruncating(mean)));
    }

    private readonly struct Shift(double tau) : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => TV.Max(x - TV.Create(VMath.Cst<T>(tau)), TV.Create(T.Zero));
    }

    private readonly struct Grad(double mean) : IBinaryOp
    {
        public TV Invoke<TV, T>(TV y, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TV.Select(TV.GreaterThan(y, TV.Create(T.Zero)), dy - TV.Create(VMath.Cst<T>(mean)), TV.Create(T.Zero));
    }
}

/// <summary>glu over the last axis: with a, b the first and second halves, y = a * sigmoid(b).</summary>
internal sealed class GluActivation : Activation
{
    public override string Name => "glu";

    public override bool IsElementwise => false;

    public override int OutputLastAxisLength(int lastAxisLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastAxisLength);
        if (lastAxisLength % 2 != 0)
        {
            throw new ArgumentException(
                $"axis size must be divisible by 2. Received: a last axis of size {lastAxisLength} for the `glu` activation, "
                + "which splits the last axis into two halves.",
                nameof(lastAxisLength));
        }

        return lastAxisLength / 2;
    }

    public override void Forward<T>(ReadOnlySpan<T> z, Span<T> y, int lastAxisLength)
    {
        ActivationChecks.ElementType<T>();
        ActivationChecks.LastAxis(z.Length, lastAxisLength);
        int half = OutputLastAxisLength(lastAxisLength);
        ActivationChecks.Length(nameof(y), y.Length, z.Length / 2);
        ActivationChecks.Alias<T>(y, z, nameof(y), nameof(z));

        // Row r writes y[r*h, r*h + h), which ends at or before z's row r starts when r >= 1 (rows already read);
        // row 0 writes over its own first half element by element after reading it. So y may start where z does.
        for (int row = 0, rows = z.Length / Math.Max(lastAxisLength, 1); row < rows; row++)
        {
            ReadOnlySpan<T> zr = z.Slice(row * lastAxisLength, lastAxisLength);
            Loops.Map2(zr[..half], zr[half..], y.Slice(row * half, half), default(Fwd));
        }
    }

    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dz, int lastAxisLength)
    {
        ActivationChecks.ElementType<T>();
        ActivationChecks.LastAxis(z.Length, lastAxisLength);
        int half = OutputLastAxisLength(lastAxisLength);
        ActivationChecks.Length(nameof(y), y.Length, z.Length / 2);
        ActivationChecks.Length(nameof(dy), dy.Length, z.Length / 2);
        ActivationChecks.Length(nameof(dz), dz.Length, z.Length);
        ActivationChecks.Alias<T>(dz, z, nameof(dz), nameof(z));
        ActivationChecks.Alias<T>(dz, y, nameof(dz), nameof(y), allowExact: false);
        ActivationChecks.Alias<T>(dz, dy, nameof(dz), nameof(dy), allowExact: false);
        for (int row = 0, rows = z.Length / Math.Max(lastAxisLength, 1); row < rows; row++)
        {
            ReadOnlySpan<T> zr = z.Slice(row * lastAxisLength, lastAxisLength);
            Span<T> dzr = dz.Slice(row * lastAxisLength, lastAxisLength);
            Loops.GluBackward(zr[..half], zr[half..], dy.Slice(row * half, half), dzr[..half], dzr[half..]);
        }
    }

    private readonly struct Fwd : IBinaryOp
    {
        public TV Invoke<TV, T>(TV a, TV b)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => a * VMath.Sigmoid<TV, T>(b);
    }
}
