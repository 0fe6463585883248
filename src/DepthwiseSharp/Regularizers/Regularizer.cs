using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Regularizers;

/// <summary>A Keras weight or activity regularizer: a scalar penalty of a tensor, added to the training loss.</summary>
/// <remarks>
/// <para>
/// The catalog is Keras 3's: <see cref="L1"/> (<c>l1 * sum|w|</c>), <see cref="L2"/> (<c>l2 * sum w^2</c>), <see cref="L1L2"/>
/// (both) and <see cref="OrthogonalRegularizer"/> (rank-2 tensors only). Penalties are accumulated in double precision and
/// returned in <c>T</c>.
/// </para>
/// <para>
/// Identifiers (<see cref="Get(string)"/>, case-insensitive): <c>l1</c>, <c>l2</c>, <c>l1_l2</c> (tf.keras's shortcut:
/// <c>L1L2(l1=0.01, l2=0.01)</c>), <c>l1l2</c> (Keras 3's snake-case class name: <c>L1L2()</c>, both factors 0),
/// <c>orthogonal_regularizer</c>, and the class names <c>L1</c>, <c>L2</c>, <c>L1L2</c>, <c>OrthogonalRegularizer</c>.
/// </para>
/// </remarks>
public abstract class Regularizer : IKerasSerializable
{
    /// <inheritdoc/>
    public abstract string ClassName { get; }

    /// <inheritdoc/>
    public abstract JsonObject GetConfig();

    /// <summary>The penalty for <paramref name="values"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The weight (or activation), row-major.</param>
    /// <param name="shape">Its shape; the product of the dimensions must equal the length of <paramref name="values"/>.</param>
    /// <returns>The penalty, computed in double and rounded to <typeparamref name="T"/>.</returns>
    /// <exception cref="ArgumentException">The shape does not match the values, or the regularizer does not accept this rank.</exception>
    public abstract T Compute<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Adds <c>scale * d(penalty)/d(values)</c> to <paramref name="gradient"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The weight (or activation).</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="scale">A factor applied to the gradient (1/N for activity regularization).</param>
    /// <param name="gradient">Accumulates the gradient; same length as <paramref name="values"/>.</param>
    /// <exception cref="ArgumentException">The shape or the gradient length does not match the values, or the rank is not accepted.</exception>
    public abstract void AddGradient<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape, T scale, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Serializes to the Keras 4-key form with module <c>keras.regularizers</c>.</summary>
    /// <returns>The JSON object, for example <c>{"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null}</c>.</returns>
    public JsonObject Serialize() => KerasObjects.Serialize("keras.regularizers", this);

    /// <summary>The Keras names <see cref="Get(string)"/> takes (the class names are taken too).</summary>
    public static IReadOnlyList<string> Names { get; } = ["l1", "l2", "l1_l2", "l1l2", "orthogonal_regularizer"];

    /// <summary>Looks up a regularizer by Keras identifier (<c>l1</c>, <c>l2</c>, <c>l1_l2</c>, class names...).</summary>
    /// <param name="identifier">The identifier, matched case-insensitively.</param>
    /// <returns>A new regularizer with the identifier's default arguments.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="identifier"/> is null.</exception>
    /// <exception cref="KerasArgumentException">"Could not interpret regularizer identifier: X" (<see cref="ArgumentException.ParamName"/> <c>regularizer</c>).</exception>
    /// <remarks>
    /// <c>l1</c>/<c>L1</c> -> <c>L1(0.01)</c>; <c>l2</c>/<c>L2</c> -> <c>L2(0.01)</c>; <c>l1_l2</c> -> <c>L1L2(0.01, 0.01)</c>;
    /// <c>l1l2</c>/<c>L1L2</c> -> <c>L1L2(0, 0)</c>; <c>orthogonal_regularizer</c>/<c>OrthogonalRegularizer</c> -> <c>OrthogonalRegularizer(0.01, "rows")</c>.
    /// </remarks>
    public static Regularizer Get(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return Create(identifier, new JsonObject(), identifier);
    }

    /// <summary>Reads a regularizer from a config node (string or 4-key / 2-key object).</summary>
    /// <param name="node">A string identifier (see <see cref="Get(string)"/>), or <c>{"class_name": ..., "config": {...}}</c> with or without
    /// <c>module</c> and <c>registered_name</c>.</param>
    /// <returns>A new regularizer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="node"/> is null.</exception>
    /// <exception cref="ArgumentException">"Could not interpret regularizer identifier: X" for an unknown class or a node of another kind;
    /// Keras's messages for invalid arguments; <c>"L2.__init__() got an unexpected keyword argument 'x'"</c> for unknown config keys.</exception>
    /// <remarks>Missing config keys take the class defaults; <c>null</c> factors mean the default as in Keras (<c>L1</c>/<c>L2</c>: 0.01,
    /// <c>L1L2</c>: 0.0).</remarks>
    public static Regularizer FromConfig(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        KerasObjects.CheckWellFormed(node, "regularizer");
        if (node is JsonValue v && v.TryGetValue(out string? s) && s is not null)
        {
            return Get(s);
        }

        if (!KerasObjects.TryUnwrap(node, out string className, out JsonObject config))
        {
            throw UnknownIdentifier(PythonFormat.Describe(node));
        }

        return Create(className, config, PythonFormat.Describe(node));
    }

    /// <summary>Keras's <c>validate_float_arg</c>: a finite, non-negative number.</summary>
    internal static double ValidateFactor(double value, string name) =>
        double.IsFinite(value) && value >= 0 ? value : throw InvalidFactor(name, KerasFloat.Repr(value));

    /// <summary>Keras's message for an invalid factor (its text has no space after the first period).</summary>
    internal static KerasArgumentException InvalidFactor(string name, string received) =>
        new($"Invalid value for argument {name}: expected a non-negative float.Received: {name}={received}", name);

    /// <summary>Reads a factor from a config with Keras's null handling.</summary>
    internal static double ReadFactor(ConfigReader args, string name, double whenAbsent, double? whenNull)
    {
        KerasNumber n = args.Number(
            name,
            KerasNumber.Float(whenAbsent),
            whenNull is double d ? KerasNumber.Float(d) : null,
            received => InvalidFactor(name, received));
        return double.IsFinite(n.Value) && n.Value >= 0 ? n.Value : throw InvalidFactor(name, n.ToString());
    }

    /// <summary>Sum of |x| in double.</summary>
    internal static double SumAbs<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= values.Length; i += 4)
        {
            s0 += Math.Abs(double.CreateTruncating(values[i]));
            s1 += Math.Abs(double.CreateTruncating(values[i + 1]));
            s2 += Math.Abs(double.CreateTruncating(values[i + 2]));
            s3 += Math.Abs(double.CreateTruncating(values[i + 3]));
        }

        for (; i < values.Length; i++)
        {
            s0 += Math.Abs(double.CreateTruncating(values[i]));
        }

        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>Sum of x^2 in double.</summary>
    internal static double SumSquares<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= values.Length; i += 4)
        {
            double a = double.CreateTruncating(values[i]);
            double b = double.CreateTruncating(values[i + 1]);
            double c = double.CreateTruncating(values[i + 2]);
            double d = double.CreateTruncating(values[i + 3]);
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }

        for (; i < values.Length; i++)
        {
            double a = double.CreateTruncating(values[i]);
            s0 += a * a;
        }

        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>sign(x) with sign(0) = 0 and sign(NaN) = NaN (the derivative of |x| that TensorFlow uses).</summary>
    internal static double Sign(double x) => x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : double.NaN;

    /// <summary>Checks the shape and, when given, the gradient length.</summary>
    internal static void CheckArgs(int valuesLength, ReadOnlySpan<int> shape, int gradientLength = -1)
    {
        ConfigReader.CheckShape(valuesLength, shape, "values");
        if (gradientLength >= 0 && gradientLength != valuesLength)
        {
            throw new KerasArgumentException(
                $"The gradient has {gradientLength} elements but the values have {valuesLength}.", "gradient");
        }
    }

    private static KerasArgumentException UnknownIdentifier(string described) =>
        new($"Could not interpret regularizer identifier: {described}", "regularizer");

    private static Regularizer Create(string name, JsonObject config, string described)
    {
        string lower = name.ToLowerInvariant();
        string className = lower switch
        {
            "l1" => "L1",
            "l2" => "L2",
            "l1l2" or "l1_l2" => "L1L2",
            "orthogonalregularizer" or "orthogonal_regularizer" => "OrthogonalRegularizer",
            _ => throw UnknownIdentifier(described),
        };
        var args = new ConfigReader(className, config);

        // "l1_l2" is tf.keras's shortcut function l1_l2(l1=0.01, l2=0.01); the class L1L2 defaults to zeros.
        double l1l2Default = lower == "l1_l2" ? 0.01 : 0.0;
        Regularizer result = className switch
        {
            "L1" => new L1(ReadFactor(args, "l1", 0.01, 0.01)),
            "L2" => new L2(ReadFactor(args, "l2", 0.01, 0.01)),
            "L1L2" => new L1L2(ReadFactor(args, "l1", l1l2Default, 0.0), ReadFactor(args, "l2", l1l2Default, 0.0)),
            _ => OrthogonalRegularizer.FromArgs(args),
        };
        args.Finish();
        return result;
    }
}
