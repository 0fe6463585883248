namespace DepthwiseSharp.Bench.LibTorch;

/// <summary>
/// How many cores other processes (and the hypervisor, as steal) used while a row was timed, from <c>/proc/stat</c> less
/// this process's own time: on a shared 2-core machine that decides whether a row can be trusted, the two-thread rows most.
/// </summary>
internal sealed class OtherLoad
{
    private readonly long _busy;
    private readonly long _total;
    private readonly long _own;

    private OtherLoad(long busy, long total, long own)
    {
        _busy = busy;
        _total = total;
        _own = own;
    }

    /// <summary>Counters now; null where /proc is missing.</summary>
    public static OtherLoad? Start()
    {
        if (!File.Exists("/proc/stat") || !File.Exists("/proc/self/stat"))
        {
            return null;
        }

        // cpu  user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
        long[] cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
        // Fields after the command's closing parenthesis: state is the first, utime and stime the 12th and 13th.
        string self = File.ReadAllText("/proc/self/stat");
        string[] fields = self[(self.LastIndexOf(')') + 2)..].Split(' ');
        return new OtherLoad(cpu.Sum() - cpu[3] - cpu[4], cpu.Sum(), long.Parse(fields[11]) + long.Parse(fields[12]));
    }

    /// <summary>Cores that others used since <paramref name="start"/>, e.g. "0.03"; "?" without /proc.</summary>
    public static string Since(OtherLoad? start)
    {
        var now = Start();
        if (start is null || now is null || now._total == start._total)
        {
            return "?";
        }

        double cores = (double)(now._busy - start._busy - (now._own - start._own)) / (now._total - start._total) * Environment.ProcessorCount;
        return Math.Max(0, cores).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
    }
}
