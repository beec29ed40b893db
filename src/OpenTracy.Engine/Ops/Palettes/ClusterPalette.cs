using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Cluster;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Engine.Ops.Palettes;

/// <summary>pbm's <c>cluster</c> palette: membership of the cluster as this node sees it, and joining, leaving, downing.</summary>
public sealed class ClusterPalette : IOpsPalette
{
    public const string AddressSwitch = "-a";

    private static readonly SwitchInfo Address = new(AddressSwitch, "member address, e.g. akka.tcp://opentracy@127.0.0.1:4053");

    public PaletteInfo Definition { get; } = new("cluster", "Akka.Cluster membership", [
        new CommandInfo("show", "lists every member: address | [roles] | status | reachability | app-version", []),
        new CommandInfo("status", "this node's own member line", []),
        new CommandInfo("leader", "the current leader's address", []),
        new CommandInfo("unreachable", "members this node cannot reach", []),
        new CommandInfo("tail", "streams member and reachability events until Ctrl-C", []),
        new CommandInfo("join", "makes this node join the cluster of -a", [Address with { Required = true }]),
        new CommandInfo("leave", "makes -a (default: this node) leave gracefully", [Address]),
        new CommandInfo("down", "downs -a (removes it from the cluster without asking it)", [Address with { Required = true }]),
        new CommandInfo("down-unreachable", "downs every unreachable member", []),
    ]);

    public Props HandlerProps(ActorSystem system) => Props.Create(() => new ClusterHandler());

    /// <summary>One member as pbm prints it.</summary>
    internal static IReadOnlyList<string> MemberRow(Member member, bool unreachable)
        => [member.Address.ToString(), $"[{string.Join(",", member.Roles.Order(StringComparer.Ordinal))}]", member.Status.ToString(),
            unreachable ? "Unreachable" : "Reachable", member.AppVersion.ToString()];

    internal static readonly IReadOnlyList<string> MemberColumns = ["address", "roles", "status", "reachability", "app-version"];
}

internal sealed class ClusterHandler : OpsHandlerActor
{
    private sealed record TailStopped
    {
        public static readonly TailStopped Instance = new();
    }

    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private OpsOutput? _tail;

    public ClusterHandler()
    {
        Receive<ClusterEvent.IMemberEvent>(e => _tail?.Message($"{e.GetType().Name}: {e.Member.Address} {e.Member.Status}",
            ("event", e.GetType().Name), ("address", e.Member.Address.ToString()), ("status", e.Member.Status.ToString())));
        Receive<ClusterEvent.ReachabilityEvent>(e => _tail?.Message($"{e.GetType().Name}: {e.Member.Address} {e.Member.Status}",
            ("event", e.GetType().Name), ("address", e.Member.Address.ToString()), ("status", e.Member.Status.ToString())));
        Receive<ClusterEvent.LeaderChanged>(e => _tail?.Message($"LeaderChanged: {e.Leader?.ToString() ?? "none"}",
            ("event", nameof(ClusterEvent.LeaderChanged)), ("address", (System.Text.Json.Nodes.JsonNode?)e.Leader?.ToString())));
        Receive<TailStopped>(_ => StopTail());
    }

    protected override void PostStop() => StopTail();

    protected override Task ExecuteAsync(ParsedCommand command, OpsOutput output)
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        switch (command.Command.Name)
        {
            case "show":
                output.Table(ClusterPalette.MemberColumns, state.Members.Select(m => ClusterPalette.MemberRow(m, unreachable.Contains(m.Address))),
                    $"Count: {state.Members.Count} nodes");
                break;
            case "status":
                output.Table(ClusterPalette.MemberColumns, [ClusterPalette.MemberRow(_cluster.SelfMember, false)]);
                break;
            case "leader":
                output.Message(state.Leader?.ToString() ?? "no leader", ("leader", state.Leader?.ToString()));
                break;
            case "unreachable":
                if (state.Unreachable.Count == 0 && !output.Json) output.Line("No unreachable members");
                else output.Table(ClusterPalette.MemberColumns, state.Unreachable.Select(m => ClusterPalette.MemberRow(m, true)),
                    $"Count: {state.Unreachable.Count} nodes");
                break;
            case "tail":
                StartTail(output);
                return Task.CompletedTask;
            case "join":
                var join = Parse(command.SwitchOrArgument(ClusterPalette.AddressSwitch)!);
                _cluster.Join(join);
                output.Message($"Joining {join}", ("address", join.ToString()));
                break;
            case "leave":
                var leave = command.SwitchOrArgument(ClusterPalette.AddressSwitch) is { } a ? Parse(a) : _cluster.SelfAddress;
                RequireMember(state, leave);
                _cluster.Leave(leave);
                output.Message($"Leaving {leave}", ("address", leave.ToString()));
                break;
            case "down":
                var down = Parse(command.SwitchOrArgument(ClusterPalette.AddressSwitch)!);
                RequireMember(state, down);
                _cluster.Down(down);
                output.Message($"Downing {down}", ("address", down.ToString()));
                break;
            case "down-unreachable":
                foreach (var member in state.Unreachable)
                {
                    _cluster.Down(member.Address);
                    output.Message($"Downing {member.Address}", ("address", member.Address.ToString()));
                }
                if (state.Unreachable.Count == 0) output.Message("No unreachable members", ("downed", 0));
                break;
        }
        output.End();
        return Task.CompletedTask;
    }

    private void StartTail(OpsOutput output)
    {
        StopTail();
        _tail = output;
        var self = Self;
        output.Cancelled.Register(() => self.Tell(TailStopped.Instance));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));
    }

    private void StopTail()
    {
        if (_tail is null) return;
        _cluster.Unsubscribe(Self);
        _tail.End();
        _tail = null;
    }

    private static Address Parse(string address)
    {
        try
        {
            return Akka.Actor.Address.Parse(address);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            throw new ArgumentException($"'{address}' is not an address (akka.tcp://system@host:port)");
        }
    }

    private static void RequireMember(ClusterEvent.CurrentClusterState state, Address address)
    {
        if (!state.Members.Any(m => m.Address.Equals(address)))
            throw new ArgumentException($"{address} is not a member of this cluster");
    }
}
