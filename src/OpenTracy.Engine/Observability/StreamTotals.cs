using OpenTracy.Wire;

namespace OpenTracy.Engine.Observability;

/// <summary>
/// Usage and cost of a streamed answer, filled in when the upstream stream completes (whether or
/// not the client asked for the usage chunk), read by the edge after the stream ended.
/// </summary>
public sealed class StreamTotals
{
    private volatile Totals? _totals;

    public Usage? Usage => _totals?.Usage;

    public CostInfo? Cost => _totals?.Cost;

    public void Record(Usage usage, CostInfo? cost) => _totals = new Totals(usage, cost);

    private sealed record Totals(Usage Usage, CostInfo? Cost);
}
