namespace DepthwiseSharp.Tests.Activations;

/// <summary>
/// Independent scalar float64 references, written from the formulas (Keras 3 definitions), not from the library.
/// </summary>
internal static class ActivationReference
{
    public const double SeluScale = 1.0507009873554804934193349852946;
    public const double SeluAlpha = 1.6732632423543772848170429916717;

    /// <summary>Activations that work on rows of the last axis rather than on each element.</summary>
    public static readonly string[] RowNames = ["softmax", "log_softmax", "sparsemax", "glu"];

    /// <summary>All 29 Keras 3 names, in the spec's order.</summary>
    public static readonly string[] AllNames =
    [
        "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "softplus", "softsign", "squareplus", "soft_shrink",
        "hard_shrink", "sparse_plus", "silu", "gelu", "glu", "tanh", "tanh_shrink", "sigmoid", "sparse_sigmoid",
        "exponential", "hard_sigmoid", "hard_silu", "hard_tanh", "linear", "mish", "log_sigmoid", "softmax",
        "log_softmax", "sparsemax",
    ];

    public static IEnumerable<string> ElementwiseNames => AllNames.Where(n => !RowNames.Contains(n));

    /// <summary>Points where some elementwise activation's derivative jumps; gradient checks stay away from them.</summary>
    public static readonly double[] Kinks = [0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 6.0];

    public static Func<double, double> Elementwise(string name) => name switch
    {
        "relu" => x => x > 0 ? x : 0.0,
        "relu6" => x => x <= 0 ? 0.0 : x >= 6 ? 6.0 : x,
        "leaky_relu" => x => x > 0 ? x : 0.2 * x,
        "elu" => x => x > 0 ? x : Expm1(x),
        "selu" => x => SeluScale * (x > 0 ? x : SeluAlpha * Expm1(x)),
        "celu" => x => Math.Max(x, 0.0) + Expm1(Math.Min(x, 0.0)),
        "softplus" => Softplus,
        "softsign" => x => x / (1.0 + Math.Abs(x)),
        "squareplus" => x => (x + Math.Sqrt(x * x + 4.0)) / 2.0,
        "soft_shrink" => x => x > 0.5 ? x - 0.5 : x < -0.5 ? x + 0.5 : 0.0,
        "hard_shrink" => x => Math.Abs(x) > 0.5 ? x : 0.0,
        "sparse_plus" => x => x <= -1 ? 0.0 : x >= 1 ? x : (x + 1) * (x + 1) / 4.0,
        "silu" => x => x * Sigmoid(x),
        "gelu" => x => 0.5 * x * Erfc(-x / Math.Sqrt(2.0)),
        "tanh" => Math.Tanh,
        "tanh_shrink" => x => x - Math.Tanh(x),
        "sigmoid" => Sigmoid,
        "sparse_sigmoid" => x => x <= -1 ? 0.0 : x >= 1 ? 1.0 : (x + 1) / 2.0,
        "exponential" => Math.Exp,
        "hard_sigmoid" => HardSigmoid,
        "hard_silu" => x => x * HardSigmoid(x),
        "hard_tanh" => x => x < -1 ? -1.0 : x > 1 ? 1.0 : x,
        "linear" => x => x,
        "mish" => x => x * Math.Tanh(Softplus(x)),
        "log_sigmoid" => x => -Softplus(-x),
        _ => throw new ArgumentException($"not elementwise: {name}", nameof(name)),
    };

    /// <summary>Applies a row activation to one row (glu returns half a row).</summary>
    public static double[] Row(string name, double[] z) => name switch
    {
        "softmax" => Softmax(z),
        "log_softmax" => LogSoftmax(z),
        "sparsemax" => Sparsemax(z),
        "glu" => Glu(z),
        _ => throw new ArgumentException($"not a row activation: {name}", nameof(name)),
    };

    /// <summary>Applies any activation to row-major data with the given last-axis length.</summary>
    public static double[] Apply(string name, double[] z, int lastAxis)
    {
        if (!RowNames.Contains(name))
        {
            var f = Elementwise(name);
            return z.Select(f).ToArray();
        }

        var result = new List<double>();
        for (int start = 0; start < z.Length; start += lastAxis)
        {
            result.AddRange(Row(name, z[start..(start + lastAxis)]));
        }

        return result.ToArray();
    }

    public static double Sigmoid(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));

    public static double Softplus(double x) => x > 0 ? x + Log1p(Math.Exp(-x)) : Log1p(Math.Exp(x));

    public static double HardSigmoid(double x) => Math.Clamp(x / 6.0 + 0.5, 0.0, 1.0);

    public static double Expm1(double x)
    {
        if (Math.Abs(x) < 1e-3)
        {
            return x + x * x / 2 + x * x * x / 6 + x * x * x * x / 24 + x * x * x * x * x / 120;
        }

        return Math.Exp(x) - 1.0;
    }

    public static double Log1p(double u) => Math.Abs(u) < 1e-4 ? u - u * u / 2 + u * u * u / 3 - u * u * u * u / 4 : Math.Log(1.0 + u);

    /// <summary>erf by its everywhere-positive series erf(x) = 2/sqrt(pi) e^{-x^2} sum (2x^2)^n x / (2n+1)!!.</summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) > 3)
        {
            return Math.Sign(x) * (1.0 - ErfcContinuedFraction(Math.Abs(x)));
        }

        double x2 = 2 * x * x, term = x, sum = x;
        for (int n = 1; n < 300; n++)
        {
            term *= x2 / (2 * n + 1);
            sum += term;
            if (Math.Abs(term) < 1e-18 * Math.Abs(sum))
            {
                break;
            }
        }

        return 2.0 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    /// <summary>erfc: 1 - erf below 1.5, the Laplace continued fraction above, 2 - erfc(-x) for negative x.</summary>
    public static double Erfc(double x)
    {
        if (x < 0)
        {
            return 2.0 - Erfc(-x);
        }

        return x < 1.5 ? 1.0 - Erf(x) : ErfcContinuedFraction(x);
    }

    /// <summary>erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up.</summary>
    private static double ErfcContinuedFraction(double x)
    {
        double f = x;
        for (int k = 2000; k >= 1; k--)
        {
            f = x + k / 2.0 / f;
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    private static double[] Softmax(double[] z)
    {
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static double[] LogSoftmax(double[] z)
    {
        double max = z.Max();
        double lse = Math.Log(z.Sum(v => Math.Exp(v - max)));
        return z.Select(v => v - max - lse).ToArray();
    }

    /// <summary>The sort-based sparsemax of Martins and Astudillo (as Keras 3 writes it).</summary>
    private static double[] Sparsemax(double[] z)
    {
        var sorted = z.OrderByDescending(v => v).ToArray();
        double cumsum = 0, supportSum = 0;
        int k = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            cumsum += sorted[i];
            if (sorted[i] - (cumsum - 1) / (i + 1) > 0)
            {
                k = i + 1;
                supportSum = cumsum;
            }
        }

        double tau = (supportSum - 1) / k;
        return z.Select(v => Math.Max(v - tau, 0.0)).ToArray();
    }

    private static double[] Glu(double[] z)
    {
        int h = z.Length / 2;
        var y = new double[h];
        for (int i = 0; i < h; i++)
        {
            y[i] = z[i] * Sigmoid(z[h + i]);
        }

        return y;
    }
}
