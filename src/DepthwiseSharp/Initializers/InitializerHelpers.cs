using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Initializers;

/// <summary>Argument checks and sampling loops shared by the catalog.</summary>
internal static class InitializerHelpers
{
    /// <summary>Checks that every dimension is non-negative and that the destination holds exactly prod(shape) elements.</summary>
    public static void ValidateFill(int destinationLength, ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new KerasArgumentException(
                    $"Invalid shape={Shapes.Tuple(shape)}: every dimension must be non-negative.", nameof(shape));
            }

            count = checked(count * d);
        }

        if (count != destinationLength)
        {
            throw new KerasArgumentException(
                $"The destination has {destinationLength} elements but shape={Shapes.Tuple(shape)} holds {count}.",
                "destination");
        }
    }

    /// <summary>A fresh random seed for an initializer constructed without one.</summary>
    public static long DrawSeed() => BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    /// <summary>Rejects NaN and infinities with the Keras-style "Argument `name` must be ..." wording.</summary>
    public static KerasNumber RequireFinite(KerasNumber value, string name)
    {
        if (!double.IsFinite(value.Value))
        {
            throw new KerasArgumentException($"Argument `{name}` must be a finite float. Received: {name}={value}", name);
        }

        return value;
    }

    /// <summary>Writes mean + stddev * z with z standard normal.</summary>
    public static void FillNormal<T>(Span<T> destination, long seed, double mean, double stddev)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new RandomStream(seed);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = T.CreateTruncating(mean + (stddev * rng.NextNormal()));
        }
    }

    /// <summary>Writes mean + stddev * z with z standard normal conditioned on |z| &lt;= 2.</summary>
    public static void FillTruncatedNormal<T>(Span<T> destination, long seed, double mean, double stddev)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new RandomStream(seed);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = T.CreateTruncating(mean + (stddev * rng.NextTruncatedNormal()));
        }
    }

    /// <summary>Writes minval + (maxval - minval) * u with u uniform in [0, 1).</summary>
    public static void FillUniform<T>(Span<T> destination, long seed, double minval, double maxval)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new RandomStream(seed);
        double width = maxval - minval;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = T.CreateTruncating(minval + (width * rng.NextDouble()));
        }
    }

    /// <summary>Writes <paramref name="value"/> everywhere.</summary>
    public static void FillConstant<T>(Span<T> destination, double value)
        where T : unmanaged, IFloatingPointIeee754<T> => destination.Fill(T.CreateTruncating(value));

    /// <summary>The JSON value of an optional integer axis list.</summary>
    public static JsonNode? AxesNode(IReadOnlyList<int>? axes)
    {
        if (axes is null)
        {
            return null;
        }

        var array = new JsonArray();
        foreach (int a in axes)
        {
            array.Add(a);
        }

        return array;
    }

    /// <summary>The JSON value of an optional seed.</summary>
    public static JsonNode? SeedNode(long? seed) => seed is long s ? JsonValue.Create(s) : null;

    /// <summary>Invariant integer text.</summary>
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
