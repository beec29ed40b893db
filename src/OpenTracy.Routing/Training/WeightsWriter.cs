using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpenTracy.Routing.Clustering;
using OpenTracy.Routing.Npz;
using OpenTracy.Routing.Profiles;
using OpenTracy.Routing.Weights;

namespace OpenTracy.Routing.Training;

/// <summary>The <c>manifest.json</c> of a weights directory (the reference's <c>package</c> block).</summary>
public sealed record WeightsManifest
{
    [JsonPropertyName("package")] public required WeightsPackage Package { get; init; }
}

public sealed record WeightsPackage
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("version")] public string Version { get; init; } = "1.0.0";
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("category")] public string Category { get; init; } = "weights";
    [JsonPropertyName("source_type")] public string SourceType { get; init; } = "local";
    [JsonPropertyName("num_clusters")] public required int NumClusters { get; init; }
    [JsonPropertyName("embedding_model")] public string EmbeddingModel { get; init; } = WeightsWriter.EmbeddingModelName;
    [JsonPropertyName("models_profiled")] public required IReadOnlyList<string> ModelsProfiled { get; init; }
    [JsonPropertyName("created_at")] public string? CreatedAt { get; init; }
}

/// <summary>
/// Writes k-means weights in the reference directory format: <c>clusters/default.npz</c> (<c>type</c> =
/// "kmeans", <c>centroids</c> float32 K×d), <c>profiles/&lt;model&gt;.json</c> and <c>manifest.json</c>.
/// </summary>
public static class WeightsWriter
{
    public const string EmbeddingModelName = "all-MiniLM-L6-v2";
    public const string ClusterFileName = "default.npz";
    private const string CreatedAtFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    private static readonly RoutingJson Indented = new(new JsonSerializerOptions(RoutingJson.Default.Options) { WriteIndented = true });

    public static void Write(RoutingWeights weights, string directory, string id = "trained-weights", string? description = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (weights.Assigner is not KMeansAssigner kmeans)
            throw new ArgumentException("only k-means weights can be written", nameof(weights));

        var clusters = Directory.CreateDirectory(Path.Combine(directory, WeightsLoader.ClustersDirectory));
        var profiles = Directory.CreateDirectory(Path.Combine(directory, WeightsLoader.ProfilesDirectory));

        var k = kmeans.NumClusters;
        var d = kmeans.Dimension;
        var flat = new float[k * d];
        for (var c = 0; c < k; c++)
        {
            var row = kmeans.GetCentroid(c);
            for (var j = 0; j < d; j++) flat[c * d + j] = (float)row[j];
        }
        NpzWriter.Write(Path.Combine(clusters.FullName, ClusterFileName),
        [
            NpyArray.ScalarString(ClusterFile.TypeArray, ClusterAssigner.KMeansType),
            NpyArray.FromFloat32(ClusterFile.CentroidsArray, flat, k, d),
        ]);

        var usedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var profile in weights.Profiles)
        {
            var name = UniqueFileName(profile.ModelId, usedNames);
            File.WriteAllBytes(Path.Combine(profiles.FullName, name),
                JsonSerializer.SerializeToUtf8Bytes(ProfileDocument.From(profile), Indented.ProfileDocument));
        }

        var manifest = new WeightsManifest
        {
            Package = new WeightsPackage
            {
                Id = id,
                Name = id,
                Description = description,
                NumClusters = k,
                ModelsProfiled = weights.Profiles.Select(p => p.ModelId).ToArray(),
                CreatedAt = (timeProvider ?? TimeProvider.System).GetUtcNow().UtcDateTime.ToString(CreatedAtFormat, CultureInfo.InvariantCulture),
            },
        };
        File.WriteAllBytes(Path.Combine(directory, WeightsLoader.ManifestFileName),
            JsonSerializer.SerializeToUtf8Bytes(manifest, Indented.WeightsManifest));
    }

    /// <summary>A file name from a model id: characters other than letters, digits, '.', '-', '_' become '_' (the loader reads the id from the file).</summary>
    private static string UniqueFileName(string modelId, HashSet<string> used)
    {
        var sb = new StringBuilder(modelId.Length);
        foreach (var c in modelId) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        // no leading '.' or '_': never hidden, never the skipped "_registry.json"
        var stem = sb.ToString().TrimStart('.', '_');
        if (stem.Length == 0) stem = "model";
        var name = stem + ".json";
        for (var n = 2; !used.Add(name); n++) name = $"{stem}-{n}.json";
        return name;
    }
}
