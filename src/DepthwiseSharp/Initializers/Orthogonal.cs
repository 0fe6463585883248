using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Initializers;

/// <summary>Keras's <c>Orthogonal</c> / <c>"orthogonal"</c> (alias <c>OrthogonalInitializer</c>): gain times a random orthogonal matrix.</summary>
/// <remarks>
/// The shape (rank &gt;= 2) is flattened to (rows, cols) = (prod(shape[:-1]), shape[-1]). A = a (max(rows, cols), min(rows, cols))
/// matrix of standard normal draws; A = QR (Householder); Q's columns are multiplied by sign(diag(R)), which makes Q
/// Haar-distributed; Q is transposed when rows &lt; cols. value = gain * Q reshaped: orthonormal columns (QᵀQ = I) when
/// rows &gt;= cols, orthonormal rows (QQᵀ = I) otherwise. For the kernel (k, C, M): rows = k*C, cols = M.
/// Config (Keras 3 order): <c>{"seed", "gain"}</c>.
/// </remarks>
public sealed class Orthogonal : RandomInitializer
{
    private readonly KerasNumber _gain;

    /// <summary>Creates the initializer.</summary>
    /// <param name="gain">The multiplicative factor, a finite number (default 1).</param>
    /// <param name="seed">The seed; null draws one now (see <see cref="RandomInitializer"/>).</param>
    /// <exception cref="ArgumentException">"Argument `gain` must be a finite float. Received: gain=nan".</exception>
    /// <remarks>value = gain * Q (see the class remarks).</remarks>
    public Orthogonal(double gain = 1.0, long? seed = null)
        : this(KerasNumber.Float(gain), seed)
    {
    }

    /// <summary>The constructor for a gain read from a config (a Python int stays an int).</summary>
    internal Orthogonal(KerasNumber gain, long? seed)
        : base(seed)
    {
        _gain = InitializerHelpers.RequireFinite(gain, nameof(gain));
    }

    /// <summary>The multiplicative factor.</summary>
    /// <value>A finite number.</value>
    /// <remarks>value = Gain * Q.</remarks>
    public double Gain => _gain.Value;

    /// <summary>The Keras class name.</summary>
    /// <value><c>Orthogonal</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"orthogonal"</c> and <c>"OrthogonalInitializer"</c>.</remarks>
    public override string ClassName => "Orthogonal";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"seed", "gain"}</c>, for the defaults <c>{"seed": null, "gain": 1.0}</c>.</returns>
    /// <remarks>The float is written as Python writes it.</remarks>
    public override JsonObject GetConfig() => new()
    {
        ["seed"] = InitializerHelpers.SeedNode(Seed),
        ["gain"] = _gain.ToJson(),
    };

    /// <summary>Fills with gain times a random orthogonal matrix.</summary>
    /// <typeparam name="T">The element type; Q is computed in double and rounded to it.</typeparam>
    /// <param name="destination">The weight's storage, prod(shape) elements.</param>
    /// <param name="shape">The weight's shape, rank &gt;= 2.</param>
    /// <exception cref="ArgumentException">"The tensor to initialize must be at least two-dimensional. Received: shape=(5,) of rank 1."
    /// (ParamName <c>shape</c>), a negative dimension or a length mismatch.</exception>
    /// <remarks>Costs O(max(rows, cols) * min(rows, cols)^2) time and two double matrices of that size.</remarks>
    public override void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
    {
        if (shape.Length < 2)
        {
            throw new KerasArgumentException(
                "The tensor to initialize must be at least two-dimensional. " +
                $"Received: shape={Shapes.Tuple(shape)} of rank {shape.Length}.", nameof(shape));
        }

        InitializerHelpers.ValidateFill(destination.Length, shape);
        if (destination.Length == 0)
        {
            return;
        }

        int cols = shape[^1];
        int rows = destination.Length / cols;
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);

        var a = new double[m * n];
        var rng = new RandomStream(EffectiveSeed);
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = rng.NextNormal();
        }

        double[] q = OrthonormalFactor(a, m, n);
        if (rows >= cols)
        {
            for (int i = 0; i < q.Length; i++)
            {
                destination[i] = T.CreateTruncating(Gain * q[i]);
            }
        }
        else
        {
            // Q is (cols x rows); the output is its transpose, (rows x cols).
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    destination[(i * cols) + j] = T.CreateTruncating(Gain * q[(j * rows) + i]);
                }
            }
        }
    }

    /// <summary>
    /// The Q of the reduced QR factorization of the row-major (m x n) matrix <paramref name="a"/> (m &gt;= n, overwritten),
    /// with column j multiplied by sign(R[j, j]) (a zero diagonal counts as positive), as an (m x n) row-major array.
    /// </summary>
    internal static double[] OrthonormalFactor(double[] a, int m, int n)
    {
        var vs = new double[n][];
        var vNorm2 = new double[n];
        var rDiag = new double[n];
        for (int k = 0; k < n; k++)
        {
            double norm2 = 0;
            for (int i = k; i < m; i++)
            {
                double x = a[(i * n) + k];
                norm2 += x * x;
            }

            double norm = Math.Sqrt(norm2);
            if (norm == 0)
            {
                rDiag[k] = 0;
                continue;
            }

            double akk = a[(k * n) + k];
            double alpha = akk >= 0 ? -norm : norm;
            var v = new double[m - k];
            v[0] = akk - alpha;
            for (int i = k + 1; i < m; i++)
            {
                v[i - k] = a[(i * n) + k];
            }

            double vv = 0;
            foreach (double x in v)
            {
                vv += x * x;
            }

            vs[k] = v;
            vNorm2[k] = vv;
            ApplyReflector(a, m, n, k, k, v, vv);
            rDiag[k] = a[(k * n) + k];
        }

        var q = new double[m * n];
        for (int j = 0; j < n; j++)
        {
            q[(j * n) + j] = 1.0;
        }

        // Q = H_0 H_1 ... H_{n-1} [I; 0]: apply the reflectors from the last to the first. Columns j < k are still e_j there.
        for (int k = n - 1; k >= 0; k--)
        {
            if (vs[k] is { } v && vNorm2[k] > 0)
            {
                ApplyReflector(q, m, n, k, k, v, vNorm2[k]);
            }
        }

        for (int j = 0; j < n; j++)
        {
            if (rDiag[j] < 0)
            {
                for (int i = 0; i < m; i++)
                {
                    q[(i * n) + j] = -q[(i * n) + j];
                }
            }
        }

        return q;
    }

    /// <summary>M[k.., c..] -= v (2 vᵀ M[k.., c..] / vᵀv) for the row-major (m x n) matrix M.</summary>
    private static void ApplyReflector(double[] matrix, int m, int n, int k, int firstColumn, double[] v, double vv)
    {
        for (int j = firstColumn; j < n; j++)
        {
            double s = 0;
            for (int i = k; i < m; i++)
            {
                s += v[i - k] * matrix[(i * n) + j];
            }

            double f = 2.0 * s / vv;
            if (f == 0)
            {
                continue;
            }

            for (int i = k; i < m; i++)
            {
                matrix[(i * n) + j] -= f * v[i - k];
            }
        }
    }
}
