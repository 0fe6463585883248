using System.Numerics;
using System.Text.Json.Nodes;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Regularizers;

/// <summary>A Keras weight or activity regularizer. Placeholder: the Regularizers helper replaces this file.</summary>
public abstract class Regularizer : IKerasSerializable
{
    /// <inheritdoc/>
    public abstract string ClassName { get; }

    /// <inheritdoc/>
    public abstract JsonObject GetConfig();

    /// <summary>The penalty for <paramref name="values"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The weight (or activation), row-major.</param>
    /// <param name="shape">Its shape.</param>
    /// <returns>The penalty.</returns>
    public abstract T Compute<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Adds <c>scale * d(penalty)/d(values)</c> to <paramref name="gradient"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">The weight (or activation).</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="scale">A factor applied to the gradient (1/N for activity regularization).</param>
    /// <param name="gradient">Accumulates the gradient.</param>
    public abstract void AddGradient<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape, T scale, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Serializes to the Keras 4-key form with module <c>keras.regularizers</c>.</summary>
    /// <returns>The JSON object.</returns>
    public JsonObject Serialize() => KerasObjects.Serialize("keras.regularizers", this);

    /// <summary>Looks up a regularizer by Keras identifier (<c>l1</c>, <c>l2</c>, <c>l1_l2</c>, class names...).</summary>
    /// <param name="identifier">The identifier.</param>
    /// <returns>A new regularizer.</returns>
    /// <exception cref="ArgumentException">"Could not interpret regularizer identifier: X".</exception>
    public static Regularizer Get(string identifier) => throw new NotImplementedException();

    /// <summary>Reads a regularizer from a config node (string or 4-key / 2-key object).</summary>
    /// <param name="node">The JSON node.</param>
    /// <returns>A new regularizer.</returns>
    /// <exception cref="ArgumentException">"Could not interpret regularizer identifier: X".</exception>
    public static Regularizer FromConfig(JsonNode node) => throw new NotImplementedException();
}
