using System.Text.Json.Nodes;

namespace DepthwiseSharp.Initializers;

/// <summary>Keras's <c>Ones</c> / <c>"ones"</c> (alias <c>"one"</c>): every value 1.</summary>
/// <remarks>value = 1. Config: <c>{}</c>.</remarks>
public sealed class Ones : Initializer
{
    /// <summary>The Keras class name.</summary>
    /// <value><c>Ones</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"ones"</c> and <c>"one"</c>.</remarks>
    public override string ClassName => "Ones";

    /// <summary>The Keras 3 config.</summary>
    /// <returns>An empty object, <c>{}</c>.</returns>
    /// <remarks>Ones takes no arguments.</remarks>
    public override JsonObject GetConfig() => new();

    /// <summary>Fills with ones.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="destination">The weight's storage, prod(shape) elements.</param>
    /// <param name="shape">The weight's shape (any rank).</param>
    /// <exception cref="ArgumentException">A negative dimension or a length mismatch.</exception>
    /// <remarks>value = 1.</remarks>
    public override void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
    {
        InitializerHelpers.ValidateFill(destination.Length, shape);
        destination.Fill(T.One);
    }
}
