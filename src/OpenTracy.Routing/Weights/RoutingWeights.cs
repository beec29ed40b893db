using OpenTracy.Routing.Clustering;
using OpenTracy.Routing.Profiles;

namespace OpenTracy.Routing.Weights;

/// <summary>
/// One immutable snapshot of routing weights: the cluster assigner, the model profiles (in load order) and
/// the generation number that identifies this snapshot among reloads.
/// </summary>
public sealed class RoutingWeights
{
    private readonly Dictionary<string, ModelProfile> _byId;

    public RoutingWeights(ClusterAssigner assigner, IReadOnlyList<ModelProfile> profiles, long generation = 0,
        string? sourcePath = null, string? clusterFile = null, IReadOnlyList<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(assigner);
        ArgumentNullException.ThrowIfNull(profiles);
        if (profiles.Count == 0) throw new ArgumentException("at least one model profile is needed", nameof(profiles));
        _byId = new Dictionary<string, ModelProfile>(profiles.Count, StringComparer.Ordinal);
        foreach (var p in profiles)
        {
            if (p.NumClusters != assigner.NumClusters)
                throw new ArgumentException($"profile '{p.ModelId}' has {p.NumClusters} clusters, the assigner {assigner.NumClusters}");
            if (!_byId.TryAdd(p.ModelId, p)) throw new ArgumentException($"duplicate profile '{p.ModelId}'");
        }
        Assigner = assigner;
        Profiles = profiles.ToArray();
        Generation = generation;
        SourcePath = sourcePath;
        ClusterFile = clusterFile;
        Warnings = warnings?.ToArray() ?? [];
    }

    public ClusterAssigner Assigner { get; }

    public IReadOnlyList<ModelProfile> Profiles { get; }

    /// <summary>Increases with every load; a cache entry computed from another generation is never served.</summary>
    public long Generation { get; }

    /// <summary>The weights directory this snapshot came from (null when built in memory).</summary>
    public string? SourcePath { get; }

    /// <summary>The clusters file that was loaded (null when built in memory).</summary>
    public string? ClusterFile { get; }

    /// <summary>Profile files skipped while loading, one line each.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public int NumClusters => Assigner.NumClusters;

    public int NumModels => Profiles.Count;

    /// <summary>The first profile loaded (file-name order), as the reference's default model.</summary>
    public string DefaultModel => Profiles[0].ModelId;

    public bool TryGetProfile(string modelId, out ModelProfile profile) => _byId.TryGetValue(modelId, out profile!);

    public RoutingWeights WithGeneration(long generation)
        => new(Assigner, Profiles, generation, SourcePath, ClusterFile, Warnings);
}
