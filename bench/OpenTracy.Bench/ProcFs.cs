using System.Globalization;
using System.Runtime.InteropServices;

namespace OpenTracy.Bench;

/// <summary>Reads a process's CPU time and resident memory from /proc (Linux).</summary>
public static partial class ProcFs
{
    private const int ScClockTicks = 2; // _SC_CLK_TCK on Linux
    private const int FallbackClockTicks = 100;
    private const int UtimeField = 14; // 1-based fields of /proc/PID/stat
    private const int StimeField = 15;
    private const int StateField = 3; // first field after the ')' that ends the command name
    private const long BytesPerKiB = 1024;

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    public static readonly long ClockTicksPerSecond = TicksPerSecond();

    private static long TicksPerSecond()
    {
        try
        {
            var ticks = SysConf(ScClockTicks);
            return ticks > 0 ? ticks : FallbackClockTicks;
        }
        catch (DllNotFoundException)
        {
            return FallbackClockTicks;
        }
    }

    /// <summary>User + system CPU seconds the process has used so far (0 once it is gone).</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var utime = long.Parse(fields[UtimeField - StateField], CultureInfo.InvariantCulture);
            var stime = long.Parse(fields[StimeField - StateField], CultureInfo.InvariantCulture);
            return (double)(utime + stime) / ClockTicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Resident set size in bytes (0 once the process is gone).</summary>
    public static long RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * BytesPerKiB;
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    public static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }
}

/// <summary>Samples the summed RSS of a set of processes every <see cref="Interval"/> and keeps the peak.</summary>
public sealed class RssSampler : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly IReadOnlyList<int> _pids;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;

    public RssSampler(IReadOnlyList<int> pids)
    {
        _pids = pids;
        Sample();
        _loop = LoopAsync();
    }

    public long PeakBytes => Interlocked.Read(ref _peak);

    public long Current() => _pids.Sum(ProcFs.RssBytes);

    private void Sample()
    {
        var now = Current();
        if (now > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, now);
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) Sample();
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Sample();
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
