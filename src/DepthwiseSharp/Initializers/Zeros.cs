using System.Text.Json.Nodes;

namespace DepthwiseSharp.Initializers;

/// <summary>Keras's <c>Zeros</c> / <c>"zeros"</c> (alias <c>"zero"</c>): every value 0. The default bias initializer.</summary>
/// <remarks>value = 0. Config: <c>{}</c>.</remarks>
public sealed class Zeros : Initializer
{
    /// <summary>The Keras class name.</summary>
    /// <value><c>Zeros</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"zeros"</c> and <c>"zero"</c>.</remarks>
    public override string ClassName => "Zeros";

    /// <summary>The Keras 3 config.</summary>
    /// <returns>An empty object, <c>{}</c>.</returns>
    /// <remarks>Zeros takes no arguments.</remarks>
    public override JsonObject GetConfig() => new();

    /// <summary>Fills with zeros.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="destination">The weight's storage, prod(shape) elements.</param>
    /// <param name="shape">The weight's shape (any rank).</param>
    /// <exception cref="ArgumentException">A negative dimension or a length mismatch.</exception>
    /// <remarks>value = 0.</remarks>
    public override void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
    {
        InitializerHelpers.ValidateFill(destination.Length, shape);
        destination.Fill(T.Zero);
    }
}
