using System.Text.Json;

namespace OpenTracy.Routing.Profiles;

/// <summary>
/// Loads <c>profiles/*.json</c> in file-name order (§8.2): <c>_registry.json</c> is skipped, invalid files
/// are skipped with a warning, and zero valid profiles is an error.
/// </summary>
public static class ProfileLoader
{
    public const string RegistryFileName = "_registry.json";

    public static ProfileLoadResult LoadDirectory(string directory, int numClusters)
    {
        if (!Directory.Exists(directory))
            throw new RoutingException(RoutingErrorKind.InvalidWeights, $"profiles directory not found: {directory}");

        var files = Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).ToArray();
        var profiles = new List<ModelProfile>(files.Length);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        foreach (var file in files)
        {
            var fileName = Path.GetFileName(file);
            if (fileName.Equals(RegistryFileName, StringComparison.Ordinal)) continue;
            try
            {
                var profile = LoadFile(file, numClusters);
                if (!seen.Add(profile.ModelId))
                {
                    warnings.Add($"{fileName}: skipped, model_id '{profile.ModelId}' already loaded from another file");
                    continue;
                }
                profiles.Add(profile);
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidDataException or IOException)
            {
                warnings.Add($"{fileName}: skipped, {ex.Message}");
            }
        }
        if (profiles.Count == 0)
        {
            var detail = warnings.Count == 0 ? "no profile files" : string.Join("; ", warnings);
            throw new RoutingException(RoutingErrorKind.InvalidWeights, $"no valid model profiles in {directory} ({detail})");
        }
        return new ProfileLoadResult(profiles, warnings);
    }

    /// <summary>One profile file; throws on invalid content (the message says what is wrong).</summary>
    public static ModelProfile LoadFile(string path, int numClusters)
    {
        var doc = JsonSerializer.Deserialize(File.ReadAllBytes(path), RoutingJson.Default.ProfileDocument)
                  ?? throw new InvalidDataException("file is JSON null");
        if (string.IsNullOrWhiteSpace(doc.ModelId)) throw new InvalidDataException("model_id is missing");
        if (doc.PsiVector is null || doc.PsiVector.Length == 0) throw new InvalidDataException("psi_vector is missing or empty");
        if (doc.PsiVector.Length != numClusters)
            throw new InvalidDataException($"psi_vector has {doc.PsiVector.Length} entries but the clusters file has {numClusters} clusters");
        return new ModelProfile(doc.ModelId, doc.PsiVector, doc.CostPer1kTokens, doc.NumValidationSamples,
            doc.ClusterSampleCounts, doc.Metadata);
    }
}

/// <summary>The profiles in file-name order and one warning per skipped file.</summary>
public sealed record ProfileLoadResult(IReadOnlyList<ModelProfile> Profiles, IReadOnlyList<string> Warnings);
