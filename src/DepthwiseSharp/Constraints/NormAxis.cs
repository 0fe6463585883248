using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Regularizers;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Constraints;

/// <summary>
/// The Keras <c>axis</c> argument of the norm constraints: an int, a list of ints, or None (all axes), kept in the form it was given
/// so that the config is written back the same way.
/// </summary>
internal sealed class NormAxis
{
    private readonly int[]? _axes;
    private readonly bool _scalar;

    private NormAxis(int[]? axes, bool scalar)
    {
        _axes = axes;
        _scalar = scalar;
    }

    /// <summary>The axes as given (one element for an int); null for all axes.</summary>
    public IReadOnlyList<int>? Axes => _axes;

    /// <summary>An int axis.</summary>
    public static NormAxis Scalar(int axis) => new([axis], true);

    /// <summary>A list of axes, or null for all axes.</summary>
    public static NormAxis List(IReadOnlyList<int>? axes)
    {
        if (axes is null)
        {
            return new NormAxis(null, false);
        }

        int[] copy = [.. axes];
        var seen = new HashSet<int>();
        foreach (int a in copy)
        {
            if (!seen.Add(a))
            {
                throw new KerasArgumentException(
                    $"Invalid value for argument `axis`: repeated axis {a}. Received: axis={Describe(copy, false)}", "axis");
            }
        }

        return new NormAxis(copy, false);
    }

    /// <summary>Reads the config value: int, list of ints or null.</summary>
    public static NormAxis FromJson(JsonNode? node)
    {
        if (node is null)
        {
            return List(null);
        }

        if (TryInt(node, out int single))
        {
            return Scalar(single);
        }

        if (node is JsonArray array)
        {
            var axes = new int[array.Count];
            for (int i = 0; i < axes.Length; i++)
            {
                if (!TryInt(array[i], out axes[i]))
                {
                    throw Invalid(node);
                }
            }

            return List(axes);
        }

        throw Invalid(node);
    }

    /// <summary>The config value Keras writes.</summary>
    public JsonNode? ToJson()
    {
        if (_axes is null)
        {
            return null;
        }

        if (_scalar)
        {
            return JsonValue.Create(_axes[0]);
        }

        var array = new JsonArray();
        foreach (int a in _axes)
        {
            array.Add(JsonValue.Create(a));
        }

        return array;
    }

    /// <summary>Python's text of the value: <c>0</c>, <c>[0, 1]</c>, <c>None</c>.</summary>
    public override string ToString() => _axes is null ? "None" : Describe(_axes, _scalar);

    /// <summary>Which axes of <paramref name="shape"/> the norms are taken over.</summary>
    /// <exception cref="ArgumentException">An axis outside <c>[-rank, rank - 1]</c>, or two entries naming the same axis.</exception>
    public bool[] Resolve(ReadOnlySpan<int> shape)
    {
        int rank = shape.Length;
        var reduce = new bool[rank];
        if (_axes is null)
        {
            Array.Fill(reduce, true);
            return reduce;
        }

        foreach (int a in _axes)
        {
            if (a < -rank || a >= rank)
            {
                throw new KerasArgumentException(
                    $"Invalid axis {a} for a weight of rank {rank} and shape {Shapes.Tuple(shape)}: "
                    + $"`axis` must be in [{-rank}, {rank - 1}]. Received: axis={this}",
                    "axis");
            }

            int k = a < 0 ? a + rank : a;
            if (reduce[k])
            {
                throw new KerasArgumentException(
                    $"Repeated axis {k} in axis={this} for a weight of rank {rank} and shape {Shapes.Tuple(shape)}.", "axis");
            }

            reduce[k] = true;
        }

        return reduce;
    }

    /// <summary>
    /// Rescales every group of <paramref name="weight"/> (the elements sharing the indices of the axes not reduced) from its L2 norm
    /// <c>n</c>: <c>w * (desired(n) / (eps + n))</c>, or <c>w / (eps + n)</c> when <paramref name="desired"/> is null.
    /// Norms are accumulated in double.
    /// </summary>
    public void Rescale<T>(Span<T> weight, ReadOnlySpan<int> shape, Func<double, double>? desired)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool[] reduce = Resolve(shape);
        ConfigReader.CheckShape(weight.Length, shape, "weight");
        int total = weight.Length;
        if (total == 0)
        {
            return;
        }

        int rank = shape.Length;

        // Group index: the row-major index over the kept axes.
        var gstride = new int[rank];
        int groups = 1;
        for (int a = rank - 1; a >= 0; a--)
        {
            if (!reduce[a])
            {
                gstride[a] = groups;
                groups *= shape[a];
            }
        }

        // Fast path: the reduced axes are a leading block (axis 0 of a (k, C, M) kernel): group = flat % inner.
        int lead = 0;
        while (lead < rank && reduce[lead])
        {
            lead++;
        }

        bool prefix = true;
        for (int a = lead; a < rank; a++)
        {
            prefix &= !reduce[a];
        }

        var sums = new double[groups];
        if (prefix)
        {
            for (int start = 0; start < total; start += groups)
            {
                for (int j = 0; j < groups; j++)
                {
                    double x = double.CreateTruncating(weight[start + j]);
                    sums[j] += x * x;
                }
            }
        }
        else
        {
            var idx = new int[rank];
            int g = 0;
            for (int i = 0; i < total; i++)
            {
                double x = double.CreateTruncating(weight[i]);
                sums[g] += x * x;
                Advance(idx, shape, gstride, ref g);
            }
        }

        // sums becomes the per-group multiplier (or denominator).
        for (int j = 0; j < groups; j++)
        {
            double norm = Math.Sqrt(sums[j]);
            sums[j] = desired is null ? Constraint.Epsilon + norm : desired(norm) / (Constraint.Epsilon + norm);
        }

        bool divide = desired is null;
        if (prefix)
        {
            for (int start = 0; start < total; start += groups)
            {
                for (int j = 0; j < groups; j++)
                {
                    weight[start + j] = Scale(weight[start + j], sums[j], divide);
                }
            }
        }
        else
        {
            var idx = new int[rank];
            int g = 0;
            for (int i = 0; i < total; i++)
            {
                weight[i] = Scale(weight[i], sums[g], divide);
                Advance(idx, shape, gstride, ref g);
            }
        }
    }

    private static T Scale<T>(T w, double f, bool divide)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double x = double.CreateTruncating(w);
        return T.CreateTruncating(divide ? x / f : x * f);
    }

    private static void Advance(int[] idx, ReadOnlySpan<int> shape, int[] gstride, ref int g)
    {
        for (int a = idx.Length - 1; a >= 0; a--)
        {
            idx[a]++;
            g += gstride[a];
            if (idx[a] < shape[a])
            {
                return;
            }

            g -= gstride[a] * shape[a];
            idx[a] = 0;
        }
    }

    private static bool TryInt(JsonNode? node, out int value)
    {
        value = 0;
        if (!KerasFloat.TryRead(node, out KerasNumber n) || !n.IsInteger || n.Value < int.MinValue || n.Value > int.MaxValue)
        {
            return false;
        }

        value = (int)n.Value;
        return true;
    }

    private static KerasArgumentException Invalid(JsonNode? node) =>
        new($"Invalid value for argument `axis`: expected an int, a list of ints or None. Received: axis={PythonFormat.Describe(node)}", "axis");

    private static string Describe(int[] axes, bool scalar) =>
        scalar
            ? axes[0].ToString(CultureInfo.InvariantCulture)
            : "[" + string.Join(", ", axes.Select(a => a.ToString(CultureInfo.InvariantCulture))) + "]";
}
