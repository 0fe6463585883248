using System.Diagnostics;

namespace DepthwiseSharp.Bench;

/// <summary>How the benches time a call; bench/DepthwiseSharp.LibTorch compiles this file too.</summary>
internal static class Timing
{
    /// <summary>How long each median runs: 150 ms with <c>--quick</c>, else 1 s (<see cref="CommandLine.CommonHelp"/>).</summary>
    public static TimeSpan Budget(bool quick) => TimeSpan.FromMilliseconds(quick ? 150 : 1000);

    /// <summary>
    /// Runs <paramref name="action"/> for 300 ms (at least 3 calls): a short median does too few calls for the JIT's
    /// optimizing tier to replace first-tier code (measured: 30 us for a 5 us call), so a path not yet run is warmed first.
    /// </summary>
    public static void Warm(Action action)
    {
        var clock = Stopwatch.StartNew();
        for (int calls = 0; calls < 3 || clock.ElapsedMilliseconds < 300; calls++)
        {
            action();
        }
    }

    /// <summary>Median of repeated runs after a warm-up, until the time budget or 200 runs.</summary>
    public static double Median(Action action, TimeSpan budget)
    {
        var times = Sorted(action, budget);
        return times[times.Count / 2];
    }

    /// <summary>
    /// The fastest of the same runs as <see cref="Median"/>: for a floor, which must stay below what it bounds even when
    /// the machine is briefly faster for the call it is compared with.
    /// </summary>
    public static double Fastest(Action action, TimeSpan budget) => Sorted(action, budget)[0];

    private static List<double> Sorted(Action action, TimeSpan budget)
    {
        action();
        action();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while ((total.Elapsed < budget || times.Count < 5) && times.Count < 200)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        times.Sort();
        return times;
    }
}
