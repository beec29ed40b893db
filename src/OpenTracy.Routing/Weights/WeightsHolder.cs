namespace OpenTracy.Routing.Weights;

/// <summary>
/// The current weights snapshot, swapped atomically. Readers take one snapshot per request
/// (<see cref="Current"/>) and use it to the end, so a swap never disturbs a request in flight.
/// Every installed snapshot gets the next generation number.
/// </summary>
public sealed class WeightsHolder
{
    private RoutingWeights? _current;
    private long _lastGeneration;
    private readonly Lock _installGate = new();

    /// <summary>The installed snapshot, or null when none is loaded.</summary>
    public RoutingWeights? Current => Volatile.Read(ref _current);

    /// <summary>Installs <paramref name="weights"/> as a new generation; returns (previous, installed).</summary>
    public (RoutingWeights? Previous, RoutingWeights Installed) Install(RoutingWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        lock (_installGate)
        {
            var installed = weights.WithGeneration(++_lastGeneration);
            var previous = Interlocked.Exchange(ref _current, installed);
            return (previous, installed);
        }
    }

    /// <summary>Removes the weights (routing becomes unavailable); returns the previous snapshot.</summary>
    public RoutingWeights? Clear()
    {
        lock (_installGate) return Interlocked.Exchange(ref _current, null);
    }
}
