using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Constraints;

/// <summary>A Keras weight constraint, applied by an optimizer after each update. Placeholder: the Constraints helper replaces this file.</summary>
public abstract class Constraint : IKerasSerializable
{
    /// <inheritdoc/>
    public abstract string ClassName { get; }

    /// <inheritdoc/>
    public abstract JsonObject GetConfig();

    /// <summary>Replaces <paramref name="weight"/> with <c>constraint(weight)</c>, in place.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="weight">The weight, row-major.</param>
    /// <param name="shape">Its shape.</param>
    public abstract void Apply<T>(Span<T> weight, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Serializes to the Keras 4-key form with module <c>keras.constraints</c>.</summary>
    /// <returns>The JSON object.</returns>
    public JsonObject Serialize() => KerasObjects.Serialize("keras.constraints", this);

    /// <summary>Looks up a constraint by Keras identifier (<c>max_norm</c>, <c>non_neg</c>, class names...).</summary>
    /// <param name="identifier">The identifier.</param>
    /// <returns>A new constraint.</returns>
    /// <exception cref="ArgumentException">"Could not interpret constraint identifier: X".</exception>
    public static Constraint Get(string identifier) => throw new NotImplementedException();

    /// <summary>Reads a constraint from a config node (string or 4-key / 2-key object).</summary>
    /// <param name="node">The JSON node.</param>
    /// <returns>A new constraint.</returns>
    /// <exception cref="ArgumentException">"Could not interpret constraint identifier: X".</exception>
    public static Constraint FromConfig(JsonNode node) => throw new NotImplementedException();
}
