using System.Globalization;
using Akka.Cluster.Sharding;

namespace OpenTracy.Engine.RateLimiting;

/// <summary>
/// Entity id and shard of a limiter message. The shard comes from a stable hash of the entity id (FNV-1a:
/// every node and every process must compute the same shard; string.GetHashCode is randomized per process).
/// </summary>
public sealed class LimiterMessageExtractor(int shards) : IMessageExtractor
{
    private const uint FnvOffset = 2166136261;
    private const uint FnvPrime = 16777619;

    public string? EntityId(object message) => message switch
    {
        ILimiterEntityMessage m => m.EntityId,
        _ => null,
    };

    public object? EntityMessage(object message) => message;

    public string ShardId(object message) => ShardId(EntityId(message) ?? string.Empty, message);

    public string ShardId(string entityId, object? messageHint = null) => ShardOf(entityId, shards).ToString(CultureInfo.InvariantCulture);

    public static int ShardOf(string entityId, int shards)
    {
        var hash = FnvOffset;
        foreach (var c in entityId)
        {
            hash ^= c;
            hash *= FnvPrime;
        }
        return (int)(hash % (uint)shards);
    }
}
