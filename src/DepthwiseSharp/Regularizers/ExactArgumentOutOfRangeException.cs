namespace DepthwiseSharp.Regularizers;

/// <summary>
/// An <see cref="ArgumentOutOfRangeException"/> whose <see cref="Message"/> is exactly the Keras text, without the
/// <c>"Actual value was ..."</c> and <c>" (Parameter 'x')"</c> lines .NET appends; <see cref="ArgumentException.ParamName"/>
/// and <see cref="ArgumentOutOfRangeException.ActualValue"/> still name the argument and the value.
/// </summary>
internal sealed class ExactArgumentOutOfRangeException : ArgumentOutOfRangeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="paramName">The Keras argument name.</param>
    /// <param name="actualValue">The value received.</param>
    /// <param name="message">The exact message.</param>
    public ExactArgumentOutOfRangeException(string paramName, object? actualValue, string message)
        : base(paramName, actualValue, message)
    {
        ExactMessage = message;
    }

    /// <summary>The exact message.</summary>
    public string ExactMessage { get; }

    /// <inheritdoc/>
    public override string Message => ExactMessage;
}
