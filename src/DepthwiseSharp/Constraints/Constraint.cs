using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Constraints;

/// <summary>A Keras weight constraint, applied by an optimizer right after each update (<c>w = constraint(w)</c>), never in the layer's call.</summary>
/// <remarks>
/// <para>
/// The catalog is Keras 3's: <see cref="MaxNorm"/>, <see cref="MinMaxNorm"/>, <see cref="NonNeg"/>, <see cref="UnitNorm"/>. With
/// <c>eps = </c><see cref="Epsilon"/> and <c>norms = sqrt(sum w^2 over axis)</c> (accumulated in double):
/// MaxNorm <c>w * clip(norms, 0, max_value) / (eps + norms)</c>; MinMaxNorm
/// <c>w * (rate * clip(norms, min_value, max_value) + (1 - rate) * norms) / (eps + norms)</c>; NonNeg <c>max(w, 0)</c>;
/// UnitNorm <c>w / (eps + norms)</c>. For the depthwise kernel <c>(k, C, M)</c>, axis 0 normalizes each (c, m) filter over its k taps.
/// </para>
/// <para>
/// Identifiers (<see cref="Get(string)"/>, case-insensitive): <c>max_norm</c>, <c>min_max_norm</c>, <c>non_neg</c>, <c>unit_norm</c>,
/// the class names <c>MaxNorm</c>, <c>MinMaxNorm</c>, <c>NonNeg</c>, <c>UnitNorm</c> (so also tf.keras's <c>maxnorm</c>,
/// <c>nonneg</c>, <c>unitnorm</c>).
/// </para>
/// </remarks>
public abstract class Constraint : IKerasSerializable
{
    /// <summary>The fuzz factor <c>eps</c> of the norm constraints: 1e-7, Keras's default <c>epsilon</c>.</summary>
    public const double Epsilon = 1e-7;

    /// <inheritdoc/>
    public abstract string ClassName { get; }

    /// <inheritdoc/>
    public abstract JsonObject GetConfig();

    /// <summary>Replaces <paramref name="weight"/> with <c>constraint(weight)</c>, in place.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="weight">The weight, row-major.</param>
    /// <param name="shape">Its shape (any rank); the product of the dimensions must equal the length of <paramref name="weight"/>.</param>
    /// <exception cref="ArgumentException">The shape does not match the weight, or an axis is out of range for its rank.</exception>
    public abstract void Apply<T>(Span<T> weight, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Serializes to the Keras 4-key form with module <c>keras.constraints</c>.</summary>
    /// <returns>The JSON object, for example <c>{"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}, "registered_name": null}</c>.</returns>
    public JsonObject Serialize() => KerasObjects.Serialize("keras.constraints", this);

    /// <summary>The Keras names <see cref="Get(string)"/> takes (the class names are taken too).</summary>
    public static IReadOnlyList<string> Names { get; } = ["max_norm", "min_max_norm", "non_neg", "unit_norm"];

    /// <summary>Looks up a constraint by Keras identifier (<c>max_norm</c>, <c>non_neg</c>, class names...).</summary>
    /// <param name="identifier">The identifier, matched case-insensitively.</param>
    /// <returns>A new constraint with the class's default arguments.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="identifier"/> is null.</exception>
    /// <exception cref="KerasArgumentException">"Could not interpret constraint identifier: X" (<see cref="ArgumentException.ParamName"/> <c>constraint</c>).</exception>
    public static Constraint Get(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return Create(identifier, new JsonObject(), identifier);
    }

    /// <summary>Reads a constraint from a config node (string or 4-key / 2-key object).</summary>
    /// <param name="node">A string identifier (see <see cref="Get(string)"/>), or <c>{"class_name": ..., "config": {...}}</c> with or without
    /// <c>module</c> and <c>registered_name</c>.</param>
    /// <returns>A new constraint.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="node"/> is null.</exception>
    /// <exception cref="ArgumentException">"Could not interpret constraint identifier: X" for an unknown class or a node of another kind;
    /// invalid argument values (naming the Keras argument and the value); <c>"MaxNorm.__init__() got an unexpected keyword argument 'x'"</c>
    /// for unknown config keys.</exception>
    /// <remarks>Missing keys take the class defaults. Numbers keep their JSON form: an integer (<c>2</c>) is written back as an integer, a
    /// float (<c>2.0</c>) as a float, as Keras does. <c>"axis": null</c> means all axes, as in Keras.</remarks>
    public static Constraint FromConfig(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        KerasObjects.CheckWellFormed(node, "constraint");
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

    /// <summary>Reads a number argument of a constraint config (JSON null is rejected).</summary>
    internal static KerasNumber ReadNumber(ConfigReader args, string name, KerasNumber whenAbsent) =>
        args.Number(name, whenAbsent, null, received => InvalidNumber(name, "expected a finite number", received));

    /// <summary>Reads the <c>axis</c> argument (absent: 0; null: all axes).</summary>
    internal static NormAxis ReadAxis(ConfigReader args) =>
        args.Has("axis") ? NormAxis.FromJson(args.Raw("axis")) : NormAxis.Scalar(0);

    /// <summary>The error for an invalid number argument.</summary>
    internal static KerasArgumentException InvalidNumber(string name, string rule, string received) =>
        new($"Invalid value for argument `{name}`: {rule}. Received: {name}={received}", name);

    private static KerasArgumentException UnknownIdentifier(string described) =>
        new($"Could not interpret constraint identifier: {described}", "constraint");

    private static Constraint Create(string name, JsonObject config, string described)
    {
        string className = name.ToLowerInvariant() switch
        {
            "max_norm" or "maxnorm" => "MaxNorm",
            "min_max_norm" or "minmaxnorm" => "MinMaxNorm",
            "non_neg" or "nonneg" => "NonNeg",
            "unit_norm" or "unitnorm" => "UnitNorm",
            _ => throw UnknownIdentifier(described),
        };
        var args = new ConfigReader(className, config);
        Constraint result = className switch
        {
            "MaxNorm" => new MaxNorm(ReadNumber(args, "max_value", new KerasNumber(2, true)), ReadAxis(args)),
            "MinMaxNorm" => new MinMaxNorm(
                ReadNumber(args, "min_value", KerasNumber.Float(0.0)),
                ReadNumber(args, "max_value", KerasNumber.Float(1.0)),
                ReadNumber(args, "rate", KerasNumber.Float(1.0)),
                ReadAxis(args)),
            "NonNeg" => new NonNeg(),
            _ => new UnitNorm(ReadAxis(args)),
        };
        args.Finish();
        return result;
    }
}
