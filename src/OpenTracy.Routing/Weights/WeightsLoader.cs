using OpenTracy.Routing.Clustering;
using OpenTracy.Routing.Npz;
using OpenTracy.Routing.Profiles;

namespace OpenTracy.Routing.Weights;

/// <summary>
/// Loads a weights directory in the reference format (§8.2): the clusters file (first existing of
/// <c>clusters/mmlu_full.npz</c>, <c>clusters/default.npz</c>, <c>clusters.npz</c>, else the first
/// <c>clusters/*.npz</c> by name) and <c>profiles/*.json</c>.
/// </summary>
public static class WeightsLoader
{
    public const string ClustersDirectory = "clusters";
    public const string ProfilesDirectory = "profiles";
    public const string ManifestFileName = "manifest.json";

    /// <summary>Cluster files in order of precedence, relative to the weights directory.</summary>
    public static readonly IReadOnlyList<string> PreferredClusterFiles =
        [Path.Combine(ClustersDirectory, "mmlu_full.npz"), Path.Combine(ClustersDirectory, "default.npz"), "clusters.npz"];

    /// <exception cref="RoutingException">Kind <see cref="RoutingErrorKind.InvalidWeights"/>, with a message naming the problem.</exception>
    public static RoutingWeights Load(string directory, long generation = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
            throw new RoutingException(RoutingErrorKind.InvalidWeights, $"weights directory not found: {root}");

        var clusterFile = FindClusterFile(root);
        ClusterAssigner assigner;
        try
        {
            assigner = ClusterFile.Load(clusterFile);
        }
        catch (Exception ex) when (ex is NpyFormatException or IOException or UnauthorizedAccessException)
        {
            throw new RoutingException(RoutingErrorKind.InvalidWeights, $"cannot load clusters: {ex.Message}", ex);
        }

        var profiles = ProfileLoader.LoadDirectory(Path.Combine(root, ProfilesDirectory), assigner.NumClusters);
        return new RoutingWeights(assigner, profiles.Profiles, generation, root, clusterFile, profiles.Warnings);
    }

    public static string FindClusterFile(string root)
    {
        foreach (var relative in PreferredClusterFiles)
        {
            var candidate = Path.Combine(root, relative);
            if (File.Exists(candidate)) return candidate;
        }
        var clusters = Path.Combine(root, ClustersDirectory);
        var first = Directory.Exists(clusters)
            ? Directory.GetFiles(clusters, "*.npz").Order(StringComparer.Ordinal).FirstOrDefault()
            : null;
        return first ?? throw new RoutingException(RoutingErrorKind.InvalidWeights,
            $"no cluster file found in {root} (tried {string.Join(", ", PreferredClusterFiles)}, then {ClustersDirectory}/*.npz)");
    }
}
