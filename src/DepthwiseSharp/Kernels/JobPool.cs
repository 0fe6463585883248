using System.Runtime.CompilerServices;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// One cached job object per calling thread and job type: concurrent callers never share a job, and after a thread's
/// first call it allocates none. A job taken by <see cref="Rent"/> must come back through <see cref="Return"/> once its
/// workers have left it.
/// </summary>
internal static class JobPool<TJob>
    where TJob : class, new()
{
    [ThreadStatic]
    private static TJob? t_cached;

    /// <summary>This thread's cached job, or a new one when it is out (nested or first use).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TJob Rent()
    {
        var job = t_cached ?? new TJob();
        t_cached = null;
        return job;
    }

    /// <summary>Caches <paramref name="job"/> for this thread's next call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Return(TJob job) => t_cached = job;
}
