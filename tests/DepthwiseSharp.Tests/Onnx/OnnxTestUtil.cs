using Microsoft.ML.OnnxRuntime;

namespace DepthwiseSharp.Tests.Onnx;

/// <summary>Runs exported models in ONNX Runtime.</summary>
internal static class OnnxTestUtil
{
    public static (float[] Values, long[] Shape) Run(byte[] model, float[] input, long[] shape, string inputName = "input", string outputName = "output")
    {
        using var session = new InferenceSession(model);
        return Run(session, input, shape, inputName, outputName);
    }

    public static (float[] Values, long[] Shape) Run(InferenceSession session, float[] input, long[] shape, string inputName = "input",
        string outputName = "output")
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var options = new RunOptions();
        using var results = session.Run(options, [inputName], [value], [outputName]);
        var output = results[0];
        return (output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape);
    }

    /// <summary>||actual - expected|| / ||expected|| in double.</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = (double)actual[i] - expected[i];
            num += diff * diff;
            den += (double)expected[i] * expected[i];
        }

        return den == 0 ? Math.Sqrt(num) : Math.Sqrt(num / den);
    }
}
