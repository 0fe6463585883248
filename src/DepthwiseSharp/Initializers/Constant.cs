using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Initializers;

/// <summary>Keras's <c>Constant</c> / <c>"constant"</c>: every value equal to <see cref="Value"/>.</summary>
/// <remarks>value = Value (rounded to the element type). Config: <c>{"value"}</c>.</remarks>
public sealed class Constant : Initializer
{
    private readonly KerasNumber _value;

    /// <summary>Creates the initializer.</summary>
    /// <param name="value">The constant, a finite number (default 0).</param>
    /// <exception cref="ArgumentException">"Argument `value` must be a finite float. Received: value=nan".</exception>
    /// <remarks>Only scalar constants are supported, as in Keras.</remarks>
    public Constant(double value = 0.0)
        : this(KerasNumber.Float(value))
    {
    }

    /// <summary>The constructor for a value read from a config (a Python int stays an int).</summary>
    internal Constant(KerasNumber value)
    {
        _value = InitializerHelpers.RequireFinite(value, nameof(value));
    }

    /// <summary>The constant.</summary>
    /// <value>A finite number.</value>
    /// <remarks>Every element is set to it.</remarks>
    public double Value => _value.Value;

    /// <summary>The Keras class name.</summary>
    /// <value><c>Constant</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"constant"</c>.</remarks>
    public override string ClassName => "Constant";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{"value"}</c>, for the default <c>{"value": 0.0}</c>.</returns>
    /// <remarks>The float is written as Python writes it.</remarks>
    public override JsonObject GetConfig() => new() { ["value"] = _value.ToJson() };

    /// <summary>Fills with the constant.</summary>
    /// <typeparam name="T">The element type; the constant is rounded to it.</typeparam>
    /// <param name="destination">The weight's storage, prod(shape) elements.</param>
    /// <param name="shape">The weight's shape (any rank).</param>
    /// <exception cref="ArgumentException">A negative dimension or a length mismatch.</exception>
    /// <remarks>value = Value.</remarks>
    public override void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
    {
        InitializerHelpers.ValidateFill(destination.Length, shape);
        InitializerHelpers.FillConstant(destination, Value);
    }
}
