using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Engine.Ops.Palettes;

/// <summary>pbm's <c>cluster-sharding</c> palette (alias <c>cluster sharding</c>): shard regions and their shards and entities, cluster-wide.</summary>
public sealed class ClusterShardingPalette : IOpsPalette
{
    public const string RegionSwitch = "-r";

    private static readonly SwitchInfo Region = new(RegionSwitch, "entity type name of the region", Required: true, Aliases: ["-t"]);

    public PaletteInfo Definition { get; } = new("cluster-sharding", "Akka.Cluster.Sharding regions", [
        new CommandInfo("regions", "lists the shard regions (entity type names) on this node", []),
        new CommandInfo("region-stats", "per member: shards and entities of region -r", [Region]),
        new CommandInfo("shard-stats", "per shard: its member and entity count in region -r", [Region]),
    ], Aliases: ["cluster sharding"]);

    public Props HandlerProps(ActorSystem system) => Props.Create(() => new ClusterShardingHandler());
}

internal sealed class ClusterShardingHandler : OpsHandlerActor
{
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(ParsedCommand command, OpsOutput output)
    {
        var sharding = ClusterSharding.Get(Context.System);
        if (command.Command.Name == "regions")
        {
            var names = sharding.ShardTypeNames.Order(StringComparer.Ordinal).ToList();
            output.Table(["typeName"], names.Select(n => (IReadOnlyList<string>)[n]), $"Count: {names.Count} regions");
            output.End();
            return;
        }
        var typeName = command.SwitchOrArgument(ClusterShardingPalette.RegionSwitch)!;
        if (!sharding.ShardTypeNames.Contains(typeName))
        {
            output.Fail($"no shard region '{typeName}' on this node (cluster-sharding regions lists them)");
            return;
        }
        // The real region (not a proxy), asked for the whole cluster's stats.
        var region = sharding.ShardRegion(typeName);
        var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(StatsTimeout), StatsTimeout + StatsTimeout);
        var cluster = Cluster.Get(Context.System);
        var members = cluster.State.Members.ToDictionary(m => m.Address);
        var oldest = cluster.State.Members.Where(m => m.Status == MemberStatus.Up).OrderBy(m => m, Member.AgeOrdering).FirstOrDefault();
        if (command.Command.Name == "region-stats")
        {
            var rows = stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).Select(r =>
            {
                members.TryGetValue(r.Key, out var m);
                var coordinator = oldest is not null && oldest.Address.Equals(r.Key) ? " [coordinator]" : "";
                return (IReadOnlyList<string>)[r.Key.ToString(), $"[{string.Join(",", (m?.Roles ?? []).Order(StringComparer.Ordinal))}]",
                    m?.Status.ToString() ?? "Unknown", "", $"{m?.AppVersion}{coordinator}({typeName})",
                    $"shards: {r.Value.Stats.Count}", $"entities: {r.Value.Stats.Values.Sum()}"];
            });
            output.Table(["address", "roles", "status", "reachability", "version", "shards", "entities"], rows);
        }
        else
        {
            var rows = stats.Regions.SelectMany(r => r.Value.Stats.Select(s => (Address: r.Key.ToString(), Shard: s.Key, Entities: s.Value)))
                .OrderBy(s => s.Shard, StringComparer.Ordinal)
                .Select(s => (IReadOnlyList<string>)[s.Shard, s.Address, $"entities: {s.Entities}"]).ToList();
            output.Table(["shard", "address", "entities"], rows, $"Count: {rows.Count} shards");
        }
        output.End();
    }
}
