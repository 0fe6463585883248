using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Activations;

// Every activation below is a stateless singleton. Gradient conventions at kinks follow PyTorch autograd:
// a one-sided derivative is taken where PyTorch takes it, otherwise the flat side (0).

/// <summary>relu: max(z, 0).</summary>
internal sealed class ReluActivation() : ElementwiseActivation<ReluActivation.Grad>("relu")
{
    protected override void ForwardCore<T>(ReadOnlySpan<T> z, Span<T> y) => TensorPrimitives.Max(z, T.Zero, y);

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TV.Select(TV.GreaterThan(z, TV.Create(T.Zero)), dy, TV.Create(T.Zero));
    }
}

/// <summary>relu6: min(max(z, 0), 6).</summary>
internal sealed class Relu6Activation() : ElementwiseActivation<Relu6Activation.Grad>("relu6")
{
    protected override void ForwardCore<T>(ReadOnlySpan<T> z, Span<T> y) => TensorPrimitives.Clamp(z, T.Zero, VMath.Cst<T>(6.0), y);

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV inside = TV.And(TV.GreaterThan(z, TV.Create(T.Zero)), TV.LessThan(z, VMath.C<TV, T>(6.0)));
            return TV.Select(inside, dy, TV.Create(T.Zero));
        }
    }
}

/// <summary>leaky_relu: z &gt; 0 ? z : 0.2 z.</summary>
internal sealed class LeakyReluActivation() : MappedActivation<LeakyReluActivation.Fwd, LeakyReluActivation.Grad>("leaky_relu")
{
    public const double Slope = 0.2;

    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TV.Select(TV.GreaterThan(x, TV.Create(T.Zero)), x, VMath.C<TV, T>(Slope) * x);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TV.Select(TV.GreaterThan(z, TV.Create(T.Zero)), dy, VMath.C<TV, T>(Slope) * dy);
    }
}

/// <summary>elu (alpha 1): z &gt; 0 ? z : expm1(z).</summary>
internal sealed class EluActivation() : MappedActivation<EluActivation.Fwd, EluActivation.Grad>("elu")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TV.Select(TV.GreaterThan(x, TV.Create(T.Zero)), x, VMath.Expm1<TV, T>(x));
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TV.Select(TV.GreaterThan(z, TV.Create(T.Zero)), dy, dy * TV.Exp(z));
    }
}

/// <summary>selu: scale * (z &gt; 0 ? z : alpha expm1(z)).</summary>
internal sealed class SeluActivation() : MappedActivation<SeluActivation.Fwd, SeluActivation.Grad>("selu")
{
    public const double Scale = 1.0507009873554804934193349852946;
    public const double Alpha = 1.6732632423543772848170429916717;

    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            VMath.C<TV, T>(Scale) * TV.Select(TV.GreaterThan(x, TV.Create(T.Zero)), x, VMath.C<TV, T>(Alpha) * VMath.Expm1<TV, T>(x));
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            VMath.C<TV, T>(Scale) * TV.Select(TV.GreaterThan(z, TV.Create(T.Zero)), dy, VMath.C<TV, T>(Alpha) * dy * TV.Exp(z));
    }
}

/// <summary>celu (alpha 1): max(z, 0) + expm1(min(z, 0)).</summary>
internal sealed class CeluActivation() : MappedActivation<CeluActivation.Fwd, EluActivation.Grad>("celu")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV zero = TV.Create(T.Zero);
            return TV.Max(x, zero) + VMath.Expm1<TV, T>(TV.Min(x, zero));
        }
    }
}

/// <summary>softplus: log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)).</summary>
internal sealed class SoftplusActivation() : MappedActivation<SoftplusActivation.Fwd, SoftplusActivation.Grad>("softplus")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TV.Max(x, TV.Create(T.Zero)) + VMath.Log1pUnit<TV, T>(VMath.ExpNegAbs<TV, T>(x));
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => dy * VMath.Sigmoid<TV, T>(z);
    }
}

/// <summary>softsign: z / (1 + |z|).</summary>
internal sealed class SoftsignActivation() : MappedActivation<SoftsignActivation.Fwd, SoftsignActivation.Grad>("softsign")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => x / (TV.Create(T.One) + TV.Abs(x));
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV d = TV.Create(T.One) + TV.Abs(z);
            return dy / (d * d);
        }
    }
}

/// <summary>squareplus (b = 4): (z + sqrt(z^2 + 4)) / 2, as 2/(sqrt(z^2 + 4) - z) for z &lt; 0.</summary>
internal sealed class SquareplusActivation() : MappedActivation<SquareplusActivation.Fwd, SquareplusActivation.Grad>("squareplus")
{
    public const double B = 4.0;

    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV s = TV.Sqrt(TV.Fma(x, x, VMath.C<TV, T>(B)));
            TV positive = VMath.C<TV, T>(0.5) * (x + s);
            TV negative = VMath.C<TV, T>(B / 2) / (s - x);
            return TV.Select(TV.GreaterThanOrEqual(x, TV.Create(T.Zero)), positive, negative);
        }
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // (1 + z/s)/2, which is b / (2 s (s - z)) without cancellation for z < 0.
            TV s = TV.Sqrt(TV.Fma(z, z, VMath.C<TV, T>(B)));
            TV positive = VMath.C<TV, T>(0.5) * (TV.Create(T.One) + z / s);
            TV negative = VMath.C<TV, T>(B / 2) / (s * (s - z));
            return dy * TV.Select(TV.GreaterThanOrEqual(z, TV.Create(T.Zero)), positive, negative);
        }
    }
}

/// <summary>soft_shrink (threshold 0.5): z &gt; 0.5 ? z - 0.5 : z &lt; -0.5 ? z + 0.5 : 0.</summary>
internal sealed class SoftShrinkActivation() : MappedActivation<SoftShrinkActivation.Fwd, ShrinkGrad>("soft_shrink")
{
    public const double Threshold = 0.5;

    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV t = VMath.C<TV, T>(Threshold);
            TV inner = TV.Select(TV.LessThan(x, -t), x + t, TV.Create(T.Zero));
            return TV.Select(TV.GreaterThan(x, t), x - t, inner);
        }
    }
}

/// <summary>hard_shrink (threshold 0.5): |z| &gt; 0.5 ? z : 0.</summary>
internal sealed class HardShrinkActivation() : MappedActivation<HardShrinkActivation.Fwd, ShrinkGrad>("hard_shrink")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TV.Select(TV.GreaterThan(TV.Abs(x), VMath.C<TV, T>(SoftShrinkActivation.Threshold)), x, TV.Create(T.Zero));
    }
}

/// <summary>The gradient of soft_shrink and hard_shrink: |z| &gt; 0.5 ? dy : 0.</summary>
internal readonly struct ShrinkGrad : IBinaryOp
{
    public TV Invoke<TV, T>(TV z, TV dy)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T> =>
        TV.Select(TV.GreaterThan(TV.Abs(z), VMath.C<TV, T>(SoftShrinkActivation.Threshold)), dy, TV.Create(T.Zero));
}

/// <summary>sparse_plus: z &lt;= -1 ? 0 : z &lt; 1 ? (z + 1)^2 / 4 : z.</summary>
internal sealed class SparsePlusActivation() : MappedActivation<SparsePlusActivation.Fwd, SparsePlusActivation.Grad>("sparse_plus")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV one = TV.Create(T.One);
            TV p = x + one;
            TV inner = TV.Select(TV.LessThan(x, one), VMath.C<TV, T>(0.25) * p * p, x);
            return TV.Select(TV.LessThanOrEqual(x, -one), TV.Create(T.Zero), inner);
        }
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV one = TV.Create(T.One);
            TV inner = TV.Select(TV.LessThan(z, one), VMath.C<TV, T>(0.5) * (z + one), one);
            return dy * TV.Select(TV.LessThanOrEqual(z, -one), TV.Create(T.Zero), inner);
        }
    }
}

/// <summary>silu (swish): z * sigmoid(z).</summary>
internal sealed class SiluActivation() : MappedActivation<SiluActivation.Fwd, SiluActivation.Grad>("silu")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => x * VMath.Sigmoid<TV, T>(x);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // sigmoid(z) + z sigmoid(z) sigmoid(-z)
            TV t = VMath.ExpNegAbs<TV, T>(z);
            return dy * TV.Fma(z, VMath.SigmoidPrimeFromT<TV, T>(t), VMath.SigmoidFromT<TV, T>(z, t));
        }
    }
}

/// <summary>gelu (exact): z * Phi(z) = z (1 + erf(z / sqrt 2)) / 2; float is computed through double.</summary>
internal sealed class GeluActivation() : MappedActivation<GeluActivation.Fwd, GeluActivation.Grad>("gelu", floatViaDouble: true)
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => x * VMath.NormalCdf<TV, T>(x, out _);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV cdf = VMath.NormalCdf<TV, T>(z, out TV pdf);
            return dy * TV.Fma(z, pdf, cdf);
        }
    }
}

/// <summary>tanh.</summary>
internal sealed class TanhActivation() : MappedActivation<TanhActivation.Fwd, TanhActivation.Grad>("tanh")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => VMath.Tanh<TV, T>(x);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => dy * VMath.TanhPrime<TV, T>(z);
    }
}

/// <summary>tanh_shrink: z - tanh(z).</summary>
internal sealed class TanhShrinkActivation() : MappedActivation<TanhShrinkActivation.Fwd, TanhShrinkActivation.Grad>("tanh_shrink")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => x - VMath.Tanh<TV, T>(x);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV t = VMath.Tanh<TV, T>(z);
            return dy * t * t;
        }
    }
}

/// <summary>sigmoid: 1 / (1 + exp(-z)).</summary>
internal sealed class SigmoidActivation() : MappedActivation<SigmoidActivation.Fwd, SigmoidActivation.Grad>("sigmoid")
{
    // Through the shared map (not TensorPrimitives, which picks its vector width from the span's length), so a value
    // does not depend on the length of the row it was computed in.
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => VMath.Sigmoid<TV, T>(x);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => dy * VMath.SigmoidPrimeFromT<TV, T>(VMath.ExpNegAbs<TV, T>(z));
    }
}

/// <summary>sparse_sigmoid: z &lt;= -1 ? 0 : z &gt;= 1 ? 1 : (z + 1) / 2.</summary>
internal sealed class SparseSigmoidActivation() : MappedActivation<SparseSigmoidActivation.Fwd, SparseSigmoidActivation.Grad>("sparse_sigmoid")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV one = TV.Create(T.One);
            TV inner = TV.Select(TV.GreaterThanOrEqual(x, one), one, VMath.C<TV, T>(0.5) * (x + one));
            return TV.Select(TV.LessThanOrEqual(x, -one), TV.Create(T.Zero), inner);
        }
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV one = TV.Create(T.One);
            TV inside = TV.And(TV.GreaterThan(z, -one), TV.LessThan(z, one));
            return TV.Select(inside, VMath.C<TV, T>(0.5) * dy, TV.Create(T.Zero));
        }
    }
}

/// <summary>exponential: exp(z).</summary>
internal sealed class ExponentialActivation() : MappedActivation<ExponentialActivation.Fwd, ExponentialActivation.Grad>("exponential")
{
    // Through the shared map, as sigmoid: the value must not depend on the row length.
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => TV.Exp(x);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => dy * TV.Exp(z);
    }
}

/// <summary>hard_sigmoid (Keras 3): clip(z / 6 + 0.5, 0, 1).</summary>
internal sealed class HardSigmoidActivation() : MappedActivation<HardSigmoidActivation.Fwd, HardSigmoidActivation.Grad>("hard_sigmoid")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => Apply<TV, T>(x);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV three = VMath.C<TV, T>(3.0);
            TV inside = TV.And(TV.GreaterThan(z, -three), TV.LessThan(z, three));
            return TV.Select(inside, dy / VMath.C<TV, T>(6.0), TV.Create(T.Zero));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV Apply<TV, T>(TV x)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV v = x / VMath.C<TV, T>(6.0) + VMath.C<TV, T>(0.5);
        return TV.Min(TV.Max(v, TV.Create(T.Zero)), TV.Create(T.One));
    }
}

/// <summary>hard_silu (hard_swish): z * hard_sigmoid(z).</summary>
internal sealed class HardSiluActivation() : MappedActivation<HardSiluActivation.Fwd, HardSiluActivation.Grad>("hard_silu")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => x * HardSigmoidActivation.Apply<TV, T>(x);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // PyTorch hardswish_backward: z < -3 ? 0 : z <= 3 ? z/3 + 1/2 : 1.
            TV three = VMath.C<TV, T>(3.0);
            TV inner = TV.Select(TV.LessThanOrEqual(z, three), z / three + VMath.C<TV, T>(0.5), TV.Create(T.One));
            return dy * TV.Select(TV.LessThan(z, -three), TV.Create(T.Zero), inner);
        }
    }
}

/// <summary>hard_tanh: clip(z, -1, 1).</summary>
internal sealed class HardTanhActivation() : ElementwiseActivation<HardTanhActivation.Grad>("hard_tanh")
{
    protected override void ForwardCore<T>(ReadOnlySpan<T> z, Span<T> y) => TensorPrimitives.Clamp(z, -T.One, T.One, y);

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TV one = TV.Create(T.One);
            TV inside = TV.And(TV.GreaterThan(z, -one), TV.LessThan(z, one));
            return TV.Select(inside, dy, TV.Create(T.Zero));
        }
    }
}

/// <summary>linear: the identity.</summary>
internal sealed class LinearActivation() : ElementwiseActivation<LinearActivation.Grad>("linear")
{
    protected override void ForwardCore<T>(ReadOnlySpan<T> z, Span<T> y)
    {
        if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(z), ref MemoryMarshal.GetReference(y)))
        {
            z.CopyTo(y);
        }
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => dy;
    }
}

/// <summary>mish: z * tanh(softplus(z)), from t = exp(-|z|) without overflow or cancellation.</summary>
internal sealed class MishActivation() : MappedActivation<MishActivation.Fwd, MishActivation.Grad>("mish")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => x * TanhSoftplus<TV, T>(x, VMath.ExpNegAbs<TV, T>(x), out _, out _);
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // mish' = tanh(sp) + z sigmoid(z) (1 - tanh(sp)^2)
            //       = tanh(sp) + 4 z t^2 (1 + t) / D^2 (z >= 0),  tanh(sp) + 4 z t (1 + t) / D^2 (z < 0).
            TV t = VMath.ExpNegAbs<TV, T>(z);
            TV th = TanhSoftplus<TV, T>(z, t, out TV d, out TV positive);
            TV w = VMath.C<TV, T>(4.0) * t * (TV.Create(T.One) + t) / (d * d);
            w = TV.Select(positive, w * t, w);
            return dy * TV.Fma(z, w, th);
        }
    }

    /// <summary>
    /// tanh(softplus(x)) with t = exp(-|x|): (1 + 2t)/D for x &gt;= 0 with D = 1 + 2t + 2t^2, and
    /// n/D for x &lt; 0 with n = t(t + 2), D = n + 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV TanhSoftplus<TV, T>(TV x, TV t, out TV denominator, out TV positive)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV one = TV.Create(T.One), two = VMath.C<TV, T>(2.0);
        positive = TV.GreaterThanOrEqual(x, TV.Create(T.Zero));
        TV n = t * (t + two);
        TV numPos = TV.Fma(two, t, one);
        TV dPos = TV.Fma(two * t, t, numPos);
        TV dNeg = n + two;
        denominator = TV.Select(positive, dPos, dNeg);
        return TV.Select(positive, numPos, n) / denominator;
    }
}

/// <summary>log_sigmoid: -softplus(-z) = min(z, 0) - log1p(exp(-|z|)).</summary>
internal sealed class LogSigmoidActivation() : MappedActivation<LogSigmoidActivation.Fwd, LogSigmoidActivation.Grad>("log_sigmoid")
{
    internal readonly struct Fwd : IUnaryOp
    {
        public TV Invoke<TV, T>(TV x)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TV.Min(x, TV.Create(T.Zero)) - VMath.Log1pUnit<TV, T>(VMath.ExpNegAbs<TV, T>(x));
    }

    internal readonly struct Grad : IBinaryOp
    {
        public TV Invoke<TV, T>(TV z, TV dy)
            where TV : struct, IVec<TV, T>
            where T : unmanaged, IFloatingPointIeee754<T> => dy * VMath.Sigmoid<TV, T>(-z);
    }
}
