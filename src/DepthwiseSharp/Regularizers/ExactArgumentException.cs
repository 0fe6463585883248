namespace DepthwiseSharp.Regularizers;

/// <summary>
/// An <see cref="ArgumentException"/> whose <see cref="Message"/> is exactly the Keras text, without the
/// <c>" (Parameter 'x')"</c> suffix .NET appends; <see cref="ArgumentException.ParamName"/> still names the argument.
/// </summary>
internal sealed class ExactArgumentException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The exact message.</param>
    /// <param name="paramName">The Keras argument name.</param>
    public ExactArgumentException(string message, string? paramName)
        : base(message, paramName)
    {
        ExactMessage = message;
    }

    /// <summary>The exact message.</summary>
    public string ExactMessage { get; }

    /// <inheritdoc/>
    public override string Message => ExactMessage;
}
