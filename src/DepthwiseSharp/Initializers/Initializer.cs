using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Initializers;

/// <summary>A Keras weight initializer. Placeholder: the Initializers helper replaces this file.</summary>
public abstract class Initializer : IKerasSerializable
{
    /// <inheritdoc/>
    public abstract string ClassName { get; }

    /// <inheritdoc/>
    public abstract JsonObject GetConfig();

    /// <summary>Fills <paramref name="destination"/> (row-major, of <paramref name="shape"/>) with initial values.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="destination">The weight's storage.</param>
    /// <param name="shape">The weight's shape; its product equals the destination's length.</param>
    public abstract void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Serializes to the Keras 4-key form with module <c>keras.initializers</c>.</summary>
    /// <returns>The JSON object.</returns>
    public JsonObject Serialize() => KerasObjects.Serialize("keras.initializers", this);

    /// <summary>Looks up an initializer by Keras identifier (snake_case name or class name).</summary>
    /// <param name="identifier">For example <c>glorot_uniform</c>, <c>GlorotUniform</c>, <c>zeros</c>.</param>
    /// <returns>A new initializer.</returns>
    /// <exception cref="ArgumentException">"Could not interpret initializer identifier: X".</exception>
    public static Initializer Get(string identifier) => throw new NotImplementedException();

    /// <summary>Reads an initializer from a config node: a string identifier or a 4-key / 2-key object.</summary>
    /// <param name="node">The JSON node; null is not accepted here (the layer maps null to its default).</param>
    /// <returns>A new initializer.</returns>
    /// <exception cref="ArgumentException">"Could not interpret initializer identifier: X".</exception>
    public static Initializer FromConfig(JsonNode node) => throw new NotImplementedException();
}
