using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Regularizers;

/// <summary>
/// The orthogonality regularizer (Keras <c>keras.regularizers.OrthogonalRegularizer</c>): penalizes the dot products between the
/// L2-normalized rows (or columns) of a rank-2 tensor.
/// </summary>
/// <remarks>
/// <para>
/// For <c>mode = "rows"</c> the vectors are the <c>n = shape[0]</c> rows <c>x_i</c>; for <c>"columns"</c> the <c>n = shape[1]</c> columns.
/// Each is normalized as Keras's <c>ops.normalize</c> does, <c>u_i = x_i / sqrt(max(|x_i|^2, eps^2))</c> with <c>eps = 1e-7</c>;
/// with <c>P = U U^T</c>:
/// </para>
/// <para><c>penalty = factor * 0.5 * sum_{i != j} |P_ij| / (n (n - 1) / 2)</c>, that is <c>factor</c> times the mean of the absolute
/// off-diagonal entries of <c>P</c>.</para>
/// <para>
/// The gradient is the analytic derivative of that expression (<c>sign(0) = 0</c> for <c>|.|</c>). As in Keras, <c>n &lt; 2</c> divides by
/// zero pairs and gives NaN (penalty and gradient). Only rank-2 tensors are accepted: the depthwise kernel <c>(k, C, M)</c> is rank 3, so
/// this regularizer raises Keras's error on it. Config: <c>{"factor": 0.01, "mode": "rows"}</c>.
/// </para>
/// </remarks>
public sealed class OrthogonalRegularizer : Regularizer
{
    private const double Epsilon = 1e-7;

    /// <summary>Creates the regularizer.</summary>
    /// <param name="factor">The regularization factor (Keras <c>factor</c>), finite and non-negative. Defaults to 0.01.</param>
    /// <param name="mode"><c>"rows"</c> (default) or <c>"columns"</c>, matched exactly as Keras does.</param>
    /// <exception cref="ArgumentNullException"><paramref name="mode"/> is null.</exception>
    /// <exception cref="ArgumentException">"Invalid value for argument factor: expected a non-negative float.Received: factor=-1.0", or
    /// <c>Invalid value for argument `mode`. Expected one of {"rows", "columns"}. Received: mode=X</c> (Keras's texts).</exception>
    /// <remarks>Penalty: <c>factor * mean_{i != j} |u_i . u_j|</c> over the normalized rows (columns) <c>u_i</c>.</remarks>
    public OrthogonalRegularizer(double factor = 0.01, string mode = "rows")
    {
        ArgumentNullException.ThrowIfNull(mode);
        Factor = ValidateFactor(factor, "factor");
        Mode = mode is "rows" or "columns" ? mode : throw InvalidMode(mode);
    }

    /// <summary>The regularization factor (Keras <c>factor</c>).</summary>
    public double Factor { get; }

    /// <summary><c>"rows"</c> or <c>"columns"</c>.</summary>
    public string Mode { get; }

    /// <summary>The Keras class name, <c>OrthogonalRegularizer</c>.</summary>
    public override string ClassName => "OrthogonalRegularizer";

    /// <summary>The Keras config, <c>{"factor": ..., "mode": ...}</c>.</summary>
    /// <returns>A new JSON object.</returns>
    public override JsonObject GetConfig() => new()
    {
        ["factor"] = KerasFloat.Create(Factor),
        ["mode"] = Mode,
    };

    /// <summary>The penalty <c>factor * 0.5 * sum_{i != j} |P_ij| / (n (n - 1) / 2)</c>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The rank-2 tensor, row-major.</param>
    /// <param name="shape">Its shape, of rank 2.</param>
    /// <returns>The penalty, computed in double (NaN when <c>n &lt; 2</c>, as in Keras).</returns>
    /// <exception cref="ArgumentException">"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=(3, 4, 2)", or the shape
    /// does not match the values.</exception>
    /// <remarks>Formula: <c>u_i = x_i / sqrt(max(|x_i|^2, 1e-14))</c>, <c>P = U U^T</c>, penalty as above.</remarks>
    public override T Compute<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape)
    {
        CheckRank(values.Length, shape, -1);
        var (u, _, _, n, d) = Normalize(values, shape);
        if (n < 2)
        {
            return T.NaN;
        }

        double sum = 0.0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i != j)
                {
                    sum += Math.Abs(Dot(u, i, j, d));
                }
            }
        }

        double numPairs = n * (n - 1.0) / 2.0;
        return T.CreateTruncating(Factor * 0.5 * sum / numPairs);
    }

    /// <summary>Adds <c>scale * d(penalty)/d(x)</c> to <paramref name="gradient"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The rank-2 tensor.</param>
    /// <param name="shape">Its shape, of rank 2.</param>
    /// <param name="scale">A factor applied to the gradient.</param>
    /// <param name="gradient">Accumulates the gradient.</param>
    /// <exception cref="ArgumentException">The rank is not 2 (Keras's message), or the shape or gradient length does not match.</exception>
    /// <remarks>
    /// Formula, with <c>c = factor * 0.5 / (n (n - 1) / 2)</c>: <c>g_i = dL/du_i = 2 c sum_{j != i} sign(P_ij) u_j</c>; then
    /// <c>dL/dx_i = r_i (g_i - (g_i . u_i) u_i)</c> with <c>r_i = 1/|x_i|</c> when <c>|x_i|^2 &gt;= eps^2</c>, else <c>g_i / eps</c>.
    /// NaN when <c>n &lt; 2</c>.
    /// </remarks>
    public override void AddGradient<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape, T scale, Span<T> gradient)
    {
        CheckRank(values.Length, shape, gradient.Length);
        var (u, inv, clamped, n, d) = Normalize(values, shape);
        if (n == 0 || d == 0)
        {
            return;
        }

        double s = double.CreateTruncating(scale);
        double c = n < 2 ? double.NaN : Factor * 0.5 / (n * (n - 1.0) / 2.0);
        var g = new double[d];
        int cols = shape[1];
        bool rows = Mode == "rows";
        for (int i = 0; i < n; i++)
        {
            Array.Clear(g);
            if (n < 2)
            {
                Array.Fill(g, double.NaN);
            }

            for (int j = 0; j < n; j++)
            {
                if (j == i)
                {
                    continue;
                }

                double w = 2.0 * c * Sign(Dot(u, i, j, d));
                if (w == 0.0)
                {
                    continue;
                }

                int uj = j * d;
                for (int k = 0; k < d; k++)
                {
                    g[k] += w * u[uj + k];
                }
            }

            int ui = i * d;
            double proj = 0.0;
            if (!clamped[i])
            {
                for (int k = 0; k < d; k++)
                {
                    proj += g[k] * u[ui + k];
                }
            }

            for (int k = 0; k < d; k++)
            {
                double dx = clamped[i] ? g[k] * inv[i] : inv[i] * (g[k] - proj * u[ui + k]);
                int index = rows ? i * cols + k : k * cols + i;
                gradient[index] += T.CreateTruncating(s * dx);
            }
        }
    }

    /// <summary>Python-style description.</summary>
    /// <returns>For example <c>OrthogonalRegularizer(factor=0.01, mode='rows')</c>.</returns>
    public override string ToString() => $"OrthogonalRegularizer(factor={KerasFloat.Repr(Factor)}, mode='{Mode}')";

    /// <summary>Builds from a config, with Keras's argument checks.</summary>
    internal static OrthogonalRegularizer FromArgs(ConfigReader args)
    {
        double factor = ReadFactor(args, "factor", 0.01, null);
        string mode = "rows";
        if (args.Has("mode"))
        {
            JsonNode? node = args.Raw("mode");
            if (node is not JsonValue v || !v.TryGetValue(out string? m) || m is null)
            {
                throw InvalidMode(PythonFormat.Describe(node));
            }

            mode = m;
        }

        return new OrthogonalRegularizer(factor, mode);
    }

    private static KerasArgumentException InvalidMode(string received) =>
        new($"Invalid value for argument `mode`. Expected one of {{\"rows\", \"columns\"}}. Received: mode={received}", "mode");

    private static void CheckRank(int length, ReadOnlySpan<int> shape, int gradientLength)
    {
        if (shape.Length != 2)
        {
            throw new KerasArgumentException(
                $"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={Shapes.Tuple(shape)}", "shape");
        }

        CheckArgs(length, shape, gradientLength);
    }

    private static double Dot(double[] u, int i, int j, int d)
    {
        double s = 0.0;
        int a = i * d;
        int b = j * d;
        for (int k = 0; k < d; k++)
        {
            s += u[a + k] * u[b + k];
        }

        return s;
    }

    /// <summary>The n vectors (rows or columns) normalized, n x d row-major, with 1/norm and whether the norm was clamped to eps.</summary>
    private (double[] U, double[] Inv, bool[] Clamped, int N, int D) Normalize<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int r = shape[0];
        int cols = shape[1];
        bool rows = Mode == "rows";
        int n = rows ? r : cols;
        int d = rows ? cols : r;
        var u = new double[n * d];
        var inv = new double[n];
        var clamped = new bool[n];
        for (int i = 0; i < n; i++)
        {
            double ss = 0.0;
            for (int k = 0; k < d; k++)
            {
                double x = double.CreateTruncating(values[rows ? i * cols + k : k * cols + i]);
                u[i * d + k] = x;
                ss += x * x;
            }

            // Keras: x * rsqrt(max(sum x^2, eps^2)); the max passes its gradient to the sum when sum >= eps^2.
            clamped[i] = !(ss >= Epsilon * Epsilon);
            inv[i] = clamped[i] ? 1.0 / Epsilon : 1.0 / Math.Sqrt(ss);
            for (int k = 0; k < d; k++)
            {
                u[i * d + k] *= inv[i];
            }
        }

        return (u, inv, clamped, n, d);
    }
}
