using System.Collections.Frozen;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.RateLimiting;

namespace OpenTracy.Engine.Serialization;

/// <summary>
/// The one manifest table of <see cref="OpenTracySerializer"/>: a short, stable name per wire message.
/// Manifests are part of the wire contract between nodes of different versions: never reuse or rename
/// one; add new messages with new names. Each feature adds its own block here (rate limiting: <c>rl.*</c>;
/// remote client and ops: pick your own prefix).
/// </summary>
public static class MessageManifests
{
    private static readonly (string Manifest, Type Type)[] Entries =
    [
        // Rate limiting (ProviderKeyLimiter entity <-> node-local PermitCache).
        ("rl.lease", typeof(LeasePermits)),
        ("rl.leased", typeof(PermitsLeased)),
        ("rl.return", typeof(ReturnPermits)),
        ("rl.tokens", typeof(ReportTokens)),
        ("rl.cool", typeof(ReportCooldown)),
        ("rl.cooling", typeof(CooldownStarted)),
        ("rl.state?", typeof(GetLimiterState)),
        ("rl.state", typeof(LimiterStateReport)),
        ("rl.reset", typeof(ResetLimiter)),
        ("rl.wasreset", typeof(LimiterWasReset)),
        ("rl.cleared", typeof(CooldownCleared)),
        // Cluster-wide deployment statistics (DeploymentStatsPublisher, over distributed pub-sub).
        ("st.report", typeof(DeploymentStatsReport)),
    ];

    public static readonly FrozenDictionary<string, Type> ByManifest = Entries.ToFrozenDictionary(e => e.Manifest, e => e.Type, StringComparer.Ordinal);

    public static readonly FrozenDictionary<Type, string> ByType = Entries.ToFrozenDictionary(e => e.Type, e => e.Manifest);
}
