using System.Numerics.Tensors;

namespace DepthwiseSharp.Tests.Docs;

/// <summary>Every C# snippet of README.md compiles and runs (issue "ship it", item 11).</summary>
public class ReadmeSnippetTests
{
    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DepthwiseSharp.slnx")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new InvalidOperationException("The repository root (DepthwiseSharp.slnx) is not above the test binaries.");
    }

    [Fact]
    public void Every_readme_code_line_stands_in_the_compiled_snippets_in_order()
    {
        string readme = File.ReadAllText(RepositoryFile("README.md"));
        var code = File.ReadAllLines(RepositoryFile("tests/DepthwiseSharp.Tests/Docs/ReadmeSnippets.cs")).Select(l => l.Trim()).ToList();
        var blocks = System.Text.RegularExpressions.Regex.Matches(readme, "```csharp\\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(blocks.Count >= 4, $"{blocks.Count} C# blocks in README");
        int at = 0;
        foreach (System.Text.RegularExpressions.Match block in blocks)
        {
            foreach (string raw in block.Groups[1].Value.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                if (line.StartsWith("using ", StringComparison.Ordinal))
                {
                    Assert.Contains(line, code);
                    continue;
                }

                int found = code.FindIndex(at, l => l == line);
                Assert.True(found >= 0, $"README line not in ReadmeSnippets.cs (after line {at + 1}): {line}");
                at = found + 1;
            }
        }
    }

    [Fact]
    public void The_readme_snippets_run_and_give_what_their_comments_say()
    {
        var r = ReadmeSnippets.Run();
        Assert.Equal([4, 4, 36], TestData.Shape(r.Y));                    // "(4, 4, 36)"
        Assert.Equal(TestData.Flat(r.Y), r.Output);                        // the span call equals Call
        Assert.True(r.History.Loss.Count is > 0 and <= 20);
        Assert.Equal([4, 10, 12], TestData.Shape(r.Grads.Input));
        Assert.Equal(1, r.Produced);                                       // a causal stream emits one step per step
        Assert.Single(r.Info.DepthwiseLayers);
        Assert.Equal(TestData.Flat(r.Y).Length, TestData.Flat(r.YModel).Length);
        Assert.Equal(3, r.Dw.KernelSize);
    }
}
