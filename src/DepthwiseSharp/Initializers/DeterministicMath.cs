namespace DepthwiseSharp.Initializers;

/// <summary>Elementary functions computed with IEEE basic operations only, so their results do not depend on the platform's libm.</summary>
internal static class DeterministicMath
{
    // fdlibm's split of ln 2: the high part has 32 trailing zero bits, so k * Ln2Hi is exact for |k| < 2^20.
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double Sqrt2 = 1.4142135623730951;

    /// <summary>
    /// Natural logarithm of a positive finite <paramref name="x"/>: x = 2^k * m with m in [sqrt(1/2), sqrt(2)),
    /// ln x = k ln 2 + 2 atanh(t), t = (m - 1)/(m + 1), the series summed to t^25 (|t| &lt;= 0.1716, error below 1e-17 relative).
    /// </summary>
    public static double Log(double x)
    {
        if (!(x > 0.0) || double.IsPositiveInfinity(x))
        {
            return x == 0.0 ? double.NegativeInfinity : (double.IsPositiveInfinity(x) ? x : double.NaN);
        }

        int k = 0;
        if (x < double.Epsilon * 4503599627370496.0)
        {
            // Subnormal: scale into the normal range first (2^54).
            x *= 18014398509481984.0;
            k = -54;
        }

        long bits = BitConverter.DoubleToInt64Bits(x);
        k += (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (m >= Sqrt2)
        {
            m *= 0.5;
            k++;
        }

        double t = (m - 1.0) / (m + 1.0);
        double t2 = t * t;
        double p = 1.0 / 25.0;
        p = (p * t2) + (1.0 / 23.0);
        p = (p * t2) + (1.0 / 21.0);
        p = (p * t2) + (1.0 / 19.0);
        p = (p * t2) + (1.0 / 17.0);
        p = (p * t2) + (1.0 / 15.0);
        p = (p * t2) + (1.0 / 13.0);
        p = (p * t2) + (1.0 / 11.0);
        p = (p * t2) + (1.0 / 9.0);
        p = (p * t2) + (1.0 / 7.0);
        p = (p * t2) + (1.0 / 5.0);
        p = (p * t2) + (1.0 / 3.0);
        double atanhRest = t * t2 * p; // atanh(t) - t
        double kd = k;
        return (kd * Ln2Hi) + ((2.0 * t) + ((2.0 * atanhRest) + (kd * Ln2Lo)));
    }
}
