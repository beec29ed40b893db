using Akka.Actor;
using Akka.Event;

namespace OpenTracy.Engine.Ops;

/// <summary>
/// A bounded ring of this actor system's recent log lines (<c>opentracy.ops.log-buffer</c>, default
/// 1000), filled by <see cref="RingLogger"/> and read by <c>log peek</c> / <c>log slurp</c>.
/// </summary>
public sealed class LogRing : IExtension
{
    public const int DefaultCapacity = 1000;

    private readonly Lock _gate = new();
    private readonly string[] _lines;
    private readonly List<Action<string>> _subscribers = [];
    private long _written;

    public LogRing(int capacity) => _lines = new string[Math.Max(1, capacity)];

    public int Capacity => _lines.Length;

    public static LogRing Get(ActorSystem system) => system.WithExtension<LogRing, LogRingProvider>();

    public void Add(string line)
    {
        Action<string>[] subscribers;
        lock (_gate)
        {
            _lines[_written % _lines.Length] = line;
            _written++;
            subscribers = [.. _subscribers];
        }
        foreach (var s in subscribers) s(line);
    }

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public IReadOnlyList<string> Last(int count)
    {
        lock (_gate)
        {
            var n = (int)Math.Min(Math.Min(count, _lines.Length), _written);
            var result = new string[Math.Max(0, n)];
            for (var i = 0; i < result.Length; i++) result[i] = _lines[(_written - n + i) % _lines.Length];
            return result;
        }
    }

    public IDisposable Subscribe(Action<string> onLine)
    {
        lock (_gate) _subscribers.Add(onLine);
        return new Unsubscriber(this, onLine);
    }

    private sealed class Unsubscriber(LogRing ring, Action<string> onLine) : IDisposable
    {
        public void Dispose()
        {
            lock (ring._gate) ring._subscribers.Remove(onLine);
        }
    }
}

public sealed class LogRingProvider : ExtensionIdProvider<LogRing>
{
    public override LogRing CreateExtension(ExtendedActorSystem system)
        => new(system.Settings.Config.GetInt("opentracy.ops.log-buffer", LogRing.DefaultCapacity));
}

/// <summary>An Akka logger (add it to <c>akka.loggers</c>) that copies every log event into the <see cref="LogRing"/>.</summary>
public sealed class RingLogger : ReceiveActor, Akka.Dispatch.IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public RingLogger()
    {
        var ring = LogRing.Get(Context.System);
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            var cause = e is Error { Cause: { } ex } ? $" ({ex.GetType().Name}: {ex.Message})" : "";
            ring.Add($"[{Level(e)}][{e.Timestamp:yyyy-MM-dd HH:mm:ss.fff}Z][{e.LogSource}] {e.Message}{cause}");
        });
    }

    private static string Level(LogEvent e) => e.LogLevel() switch
    {
        LogLevel.DebugLevel => "DEBUG",
        LogLevel.InfoLevel => "INFO",
        LogLevel.WarningLevel => "WARNING",
        LogLevel.ErrorLevel => "ERROR",
        _ => "LOG",
    };
}
