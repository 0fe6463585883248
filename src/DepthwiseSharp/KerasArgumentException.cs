namespace DepthwiseSharp;

/// <summary>
/// The one exception for a Keras argument or config value that Keras refuses (Keras raises <c>ValueError</c> or
/// <c>TypeError</c>): <see cref="Exception.Message"/> is exactly Keras's text, without the <c>" (Parameter 'x')"</c> suffix
/// .NET appends, and <see cref="ArgumentException.ParamName"/> is the Keras argument or config key
/// (<c>depth_multiplier</c>, <c>config</c>, ...).
/// </summary>
/// <remarks>
/// Layers, configs, Keras files, initializers, regularizers, constraints, optimizers and losses all throw it, so one
/// <c>catch (KerasArgumentException)</c> sees every refused Keras argument; it is an <see cref="ArgumentException"/>, so
/// code that catches those keeps working.
/// </remarks>
public sealed class KerasArgumentException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Keras's message, exactly.</param>
    /// <param name="paramName">The Keras argument or config key.</param>
    /// <param name="innerException">The cause, if any.</param>
    public KerasArgumentException(string message, string? paramName, Exception? innerException = null)
        : base(message, paramName, innerException)
    {
        ExactMessage = message;
    }

    /// <summary>The message as Keras words it (also <see cref="Message"/>).</summary>
    public string ExactMessage { get; }

    /// <inheritdoc/>
    public override string Message => ExactMessage;
}
