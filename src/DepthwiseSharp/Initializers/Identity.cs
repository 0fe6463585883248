using System.Text.Json.Nodes;
using DepthwiseSharp.Keras;

namespace DepthwiseSharp.Initializers;

/// <summary>Keras's <c>Identity</c> / <c>"identity"</c> (alias <c>IdentityInitializer</c>): gain times the identity matrix; 2-D shapes only.</summary>
/// <remarks>
/// <para>value[i, j] = gain if i == j else 0 (rectangular shapes allowed, as <c>eye(rows, cols)</c>).</para>
/// <para>Config: Keras 3.15.1's <c>Identity</c> has no <c>get_config</c>, so it writes <c>{}</c> and drops the gain. For gain 1 this
/// writes <c>{}</c> as Keras does; for any other gain it writes <c>{"gain": g}</c>, which Keras's <c>from_config</c> takes
/// (<c>Identity(gain=g)</c>), so the gain survives a round trip through a config instead of silently becoming 1.</para>
/// </remarks>
public sealed class Identity : Initializer
{
    private readonly KerasNumber _gain;

    /// <summary>Creates the initializer.</summary>
    /// <param name="gain">The diagonal value, a finite number (default 1).</param>
    /// <exception cref="ArgumentException">"Argument `gain` must be a finite float. Received: gain=nan".</exception>
    /// <remarks>value = gain * eye(rows, cols).</remarks>
    public Identity(double gain = 1.0)
        : this(KerasNumber.Float(gain))
    {
    }

    /// <summary>The constructor for a gain read from a config (a Python int stays an int).</summary>
    internal Identity(KerasNumber gain)
    {
        _gain = InitializerHelpers.RequireFinite(gain, nameof(gain));
    }

    /// <summary>The multiplicative factor.</summary>
    /// <value>A finite number.</value>
    /// <remarks>The diagonal value.</remarks>
    public double Gain => _gain.Value;

    /// <summary>The Keras class name.</summary>
    /// <value><c>Identity</c>.</value>
    /// <remarks>Also found by <see cref="Initializer.Get"/> as <c>"identity"</c> and <c>"IdentityInitializer"</c>.</remarks>
    public override string ClassName => "Identity";

    /// <summary>The Keras 3 config.</summary>
    /// <returns><c>{}</c> for gain 1, as Keras 3.15.1 writes it; <c>{"gain": g}</c> otherwise (Keras would drop it).</returns>
    /// <remarks>The float is written as Python writes it; a gain read from a config as a Python int stays an int.</remarks>
    public override JsonObject GetConfig() => Gain == 1.0 ? new JsonObject() : new JsonObject { ["gain"] = _gain.ToJson() };

    /// <summary>Fills a 2-D weight with gain times the identity.</summary>
    /// <typeparam name="T">The element type; gain is rounded to it.</typeparam>
    /// <param name="destination">The weight's storage, rows * cols elements.</param>
    /// <param name="shape">(rows, cols).</param>
    /// <exception cref="ArgumentException">"Identity matrix initializer can only be used for 2D matrices. Received: shape=(3, 4, 5) of rank 3."
    /// (ParamName <c>shape</c>) for any other rank — the DepthwiseConv1D kernel (k, C, M) is 3-D —, a negative dimension or a length mismatch.</exception>
    /// <remarks>value[i, j] = gain * (i == j).</remarks>
    public override void Fill<T>(Span<T> destination, ReadOnlySpan<int> shape)
    {
        if (shape.Length != 2)
        {
            throw new KerasArgumentException(
                "Identity matrix initializer can only be used for 2D matrices. " +
                $"Received: shape={Shapes.Tuple(shape)} of rank {shape.Length}.", nameof(shape));
        }

        InitializerHelpers.ValidateFill(destination.Length, shape);
        destination.Clear();
        int rows = shape[0], cols = shape[1];
        T g = T.CreateTruncating(Gain);
        for (int i = 0; i < Math.Min(rows, cols); i++)
        {
            destination[(i * cols) + i] = g;
        }
    }
}
