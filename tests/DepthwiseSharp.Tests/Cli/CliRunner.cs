using DepthwiseSharp.Cli;

namespace DepthwiseSharp.Tests.Cli;

/// <summary>Runs the <c>depthwise</c> command in-process, as a user runs it, and returns its exit code and both streams.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
