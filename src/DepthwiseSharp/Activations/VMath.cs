using System.Numerics;
using System.Runtime.CompilerServices;
using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Activations;

/// <summary>Numerically careful elementary functions written once for every <see cref="IVec{TSelf, T}"/> width.</summary>
internal static class VMath
{
    /// <summary>1/sqrt(2).</summary>
    public const double InvSqrt2 = 0.70710678118654752440084436210485;

    /// <summary>1/sqrt(2*pi).</summary>
    public const double InvSqrt2Pi = 0.39894228040143267793994605993438;

    /// <summary>The offset k of the erfc map t = (z - k)/(z + k).</summary>
    private const double ErfcK = 4.0;

    /// <summary>Converts a double constant to <typeparamref name="T"/> (folded by the JIT).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Cst<T>(double value)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            return Unsafe.As<double, T>(ref value);
        }

        if (typeof(T) == typeof(float))
        {
            float f = (float)value;
            return Unsafe.As<float, T>(ref f);
        }

        return T.CreateTruncating(value);
    }

    /// <summary>A broadcast constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV C<TV, T>(double value)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T> => TV.Create(Cst<T>(value));

    /// <summary>exp(x) - 1, accurate to a few ulps also near 0 (Taylor series for |x| &lt; 1/2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Expm1<TV, T>(TV x)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // sum_{k=0}^{14} x^k / (k+1)!, truncation error below 2e-18 relative for |x| < 1/2.
        TV p = C<TV, T>(1.0 / 1307674368000.0);
        p = TV.Fma(p, x, C<TV, T>(1.0 / 87178291200.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 6227020800.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 479001600.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 39916800.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 3628800.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 362880.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 40320.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 5040.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 720.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 120.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 24.0));
        p = TV.Fma(p, x, C<TV, T>(1.0 / 6.0));
        p = TV.Fma(p, x, C<TV, T>(0.5));
        p = TV.Fma(p, x, TV.Create(T.One));
        TV small = x * p;
        TV large = TV.Exp(x) - TV.Create(T.One);
        return TV.Select(TV.LessThan(TV.Abs(x), C<TV, T>(0.5)), small, large);
    }

    /// <summary>log(1 + u) for u in [0, 1], accurate also for tiny u (w = 1 + u; log(w) * u / (w - 1)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log1pUnit<TV, T>(TV u)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV one = TV.Create(T.One);
        TV w = u + one;
        TV r = TV.Log(w) * (u / (w - one));
        return TV.Select(TV.Equal(w, one), u, r);
    }

    /// <summary>exp(-|x|), the building block of the stable sigmoid, softplus, silu and mish.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpNegAbs<TV, T>(TV x)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T> => TV.Exp(-TV.Abs(x));

    /// <summary>sigmoid(x) = 1/(1 + exp(-x)) from t = exp(-|x|): x &gt;= 0 ? 1/(1+t) : t/(1+t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV SigmoidFromT<TV, T>(TV x, TV t)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV one = TV.Create(T.One);
        TV inv = one / (one + t);
        return TV.Select(TV.GreaterThanOrEqual(x, TV.Create(T.Zero)), inv, t * inv);
    }

    /// <summary>sigmoid(x) computed without overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<TV, T>(TV x)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T> => SigmoidFromT<TV, T>(x, ExpNegAbs<TV, T>(x));

    /// <summary>sigmoid(x) * sigmoid(-x) = t/(1+t)^2 with t = exp(-|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV SigmoidPrimeFromT<TV, T>(TV t)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV d = TV.Create(T.One) + t;
        return t / (d * d);
    }

    /// <summary>tanh(x) = sign(x) * (-e)/(2 + e) with e = expm1(-2|x|); relative accuracy also near 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh<TV, T>(TV x)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV e = Expm1<TV, T>(C<TV, T>(-2.0) * TV.Abs(x));
        TV r = -e / (C<TV, T>(2.0) + e);
        return TV.CopySign(r, x);
    }

    /// <summary>1 - tanh(x)^2 = 4t/(1+t)^2 with t = exp(-2|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV TanhPrime<TV, T>(TV x)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV t = TV.Exp(C<TV, T>(-2.0) * TV.Abs(x));
        TV d = TV.Create(T.One) + t;
        return C<TV, T>(4.0) * t / (d * d);
    }

    /// <summary>
    /// erfc(z) * exp(z^2) for z &gt;= 0, as P(t)/(z + 4) with t = (z - 4)/(z + 4) and P a degree-24 polynomial
    /// (the Chebyshev expansion of erfc(z) exp(z^2) (z + 4) on t in [-1, 1], fitted for this library in 50-digit
    /// arithmetic); relative error below 5e-16 for every z &gt;= 0 in double.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ErfcScaled<TV, T>(TV z)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV k = C<TV, T>(ErfcK);
        TV d = z + k;
        TV t = (z - k) / d;
        TV p = C<TV, T>(-1.791502752209178e-10);
        p = TV.Fma(p, t, C<TV, T>(-7.652918351368929e-11));
        p = TV.Fma(p, t, C<TV, T>(2.282283310732059e-09));
        p = TV.Fma(p, t, C<TV, T>(7.054882560385151e-10));
        p = TV.Fma(p, t, C<TV, T>(-1.8096905734635933e-08));
        p = TV.Fma(p, t, C<TV, T>(-2.762829273945234e-10));
        p = TV.Fma(p, t, C<TV, T>(1.2678363974294932e-07));
        p = TV.Fma(p, t, C<TV, T>(-7.440134079315679e-08));
        p = TV.Fma(p, t, C<TV, T>(-8.477202827598295e-07));
        p = TV.Fma(p, t, C<TV, T>(1.4235437808888834e-06));
        p = TV.Fma(p, t, C<TV, T>(4.6949536005148395e-06));
        p = TV.Fma(p, t, C<TV, T>(-1.8860655174390427e-05));
        p = TV.Fma(p, t, C<TV, T>(-3.6352864144616853e-06));
        p = TV.Fma(p, t, C<TV, T>(0.00017681276781310884));
        p = TV.Fma(p, t, C<TV, T>(-0.0004550526714402559));
        p = TV.Fma(p, t, C<TV, T>(-0.0002809588591250074));
        p = TV.Fma(p, t, C<TV, T>(0.00611205565561393));
        p = TV.Fma(p, t, C<TV, T>(-0.02637005334070314));
        p = TV.Fma(p, t, C<TV, T>(0.0763815149091835));
        p = TV.Fma(p, t, C<TV, T>(-0.17401093723993213));
        p = TV.Fma(p, t, C<TV, T>(0.33085158787802266));
        p = TV.Fma(p, t, C<TV, T>(-0.5408538313132345));
        p = TV.Fma(p, t, C<TV, T>(0.7732087022652369));
        p = TV.Fma(p, t, C<TV, T>(-0.976548729080882));
        p = TV.Fma(p, t, C<TV, T>(1.095995661000491));
        return p / d;
    }

    /// <summary>exp(-x^2 / 2) with the rounding error of x^2 corrected (x^2 = h + l exactly, by FMA).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpHalfSquareNeg<TV, T>(TV x)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TV h = x * x;
        TV l = TV.Fma(x, x, -h);
        TV e = TV.Exp(C<TV, T>(-0.5) * h);
        return TV.Fma(C<TV, T>(-0.5) * l, e, e);
    }

    /// <summary>
    /// The standard normal CDF Phi(x) = erfc(-x/sqrt 2)/2 and density phi(x) = exp(-x^2/2)/sqrt(2 pi), both with
    /// relative accuracy near 1e-15 in double (Phi(-|x|) = exp(-x^2/2) * ErfcScaled(|x|/sqrt 2) / 2, so the lower
    /// tail keeps its relative precision).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV NormalCdf<TV, T>(TV x, out TV pdf)
        where TV : struct, IVec<TV, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Beyond |x| = 40 both tails are 0 or 1 in double; clamping keeps infinities out of x^2 (NaN stays NaN).
        TV xc = TV.Min(TV.Max(x, C<TV, T>(-40.0)), C<TV, T>(40.0));
        TV e = ExpHalfSquareNeg<TV, T>(xc);
        TV q = C<TV, T>(0.5) * e * ErfcScaled<TV, T>(TV.Abs(xc) * C<TV, T>(InvSqrt2));
        pdf = e * C<TV, T>(InvSqrt2Pi);
        return TV.Select(TV.LessThan(x, TV.Create(T.Zero)), q, TV.Create(T.One) - q);
    }
}

/// <summary>Scalar special functions in double precision (erf, erfc), built on the same approximation as gelu.</summary>
internal static class SpecialFunctions
{
    /// <summary>The complementary error function erfc(z) = 1 - erf(z); relative error about 1e-15 for all z.</summary>
    /// <param name="z">The argument.</param>
    /// <returns>erfc(z).</returns>
    public static double Erfc(double z)
    {
        if (double.IsNaN(z))
        {
            return z;
        }

        double a = Math.Min(Math.Abs(z), 30.0);
        double h = a * a;
        double l = Math.FusedMultiplyAdd(a, a, -h);
        double e = Math.Exp(-h);
        e = Math.FusedMultiplyAdd(-l, e, e);
        double r = e * VMath.ErfcScaled<S<double>, double>(new S<double>(a)).V;
        return z < 0 ? 2.0 - r : r;
    }

    /// <summary>The error function erf(z); absolute error about 1e-16, relative error about 1e-15 also near 0.</summary>
    /// <param name="z">The argument.</param>
    /// <returns>erf(z).</returns>
    public static double Erf(double z)
    {
        double a = Math.Abs(z);
        if (a < 0.5)
        {
            // erf(z) = 2/sqrt(pi) * exp(-z^2) * sum_n (2 z^2)^n z / (2n+1)!!  (positive terms).
            double z2 = 2.0 * z * z;
            double term = z, sum = z;
            for (int n = 1; n < 40 && Math.Abs(term) > 1e-18 * Math.Abs(sum); n++)
            {
                term *= z2 / (2 * n + 1);
                sum += term;
            }

            return 1.1283791670955125738961589031215 * Math.Exp(-z * z) * sum;
        }

        double r = 1.0 - Erfc(a);
        return z < 0 ? -r : r;
    }
}
