using OpenTracy.Routing.Clustering;
using OpenTracy.Routing.Npz;
using OpenTracy.Routing.Profiles;
using OpenTracy.Routing.Weights;

namespace OpenTracy.Routing.Tests;

public sealed class WeightsLoadingTests
{
    [Fact]
    public void Loads_the_reference_profiles()
    {
        var result = ProfileLoader.LoadDirectory(Path.Combine(ReferenceWeights.Directory, "profiles"), 100);

        Assert.Empty(result.Warnings);
        Assert.Equal(10, result.Profiles.Count);
        Assert.All(result.Profiles, p => Assert.Equal(100, p.NumClusters));
        var gpt4o = result.Profiles.Single(p => p.ModelId == "gpt-4o");
        Assert.Equal(1 - 0.212, gpt4o.OverallAccuracy, 1e-3);
        Assert.Equal(0.00625, gpt4o.CostPer1kTokens);
        Assert.Equal(500, gpt4o.NumValidationSamples);
        Assert.Equal(0.288, result.Profiles.Single(p => p.ModelId == "gpt-4o-mini").OverallError, 1e-3);
        Assert.Equal("codestral-latest", result.Profiles[0].ModelId); // file-name order
    }

    [Fact]
    public void Loads_the_reference_directory_with_mmlu_full_first()
    {
        var weights = WeightsLoader.Load(ReferenceWeights.Directory, generation: 7);

        Assert.Equal(ReferenceWeights.MmluFull, weights.ClusterFile);
        Assert.Equal(100, weights.NumClusters);
        Assert.Equal(384, weights.Assigner.Dimension);
        Assert.IsType<KMeansAssigner>(weights.Assigner);
        Assert.Equal(10, weights.NumModels);
        Assert.Equal(7, weights.Generation);
        Assert.Equal("codestral-latest", weights.DefaultModel);
    }

    [Fact]
    public void Cluster_file_precedence_follows_the_reference()
    {
        using var dir = new TempDir();
        var root = dir.Path;
        Directory.CreateDirectory(Path.Combine(root, "clusters"));
        void Put(string relative) => File.Copy(ReferenceWeights.Default, Path.Combine(root, relative), overwrite: true);

        Put("clusters/zz.npz");
        Put("clusters/aa.npz");
        Assert.EndsWith("clusters/aa.npz", WeightsLoader.FindClusterFile(root));
        Put("clusters.npz");
        Assert.EndsWith("/clusters.npz", WeightsLoader.FindClusterFile(root));
        Put("clusters/default.npz");
        Assert.EndsWith("clusters/default.npz", WeightsLoader.FindClusterFile(root));
        Put("clusters/mmlu_full.npz");
        Assert.EndsWith("clusters/mmlu_full.npz", WeightsLoader.FindClusterFile(root));
    }

    [Fact]
    public void Invalid_profiles_are_skipped_with_a_warning()
    {
        using var dir = new TempDir();
        var profiles = Path.Combine(ReferenceWeights.CopyTo(dir.Path), "profiles");
        File.WriteAllText(Path.Combine(profiles, "_registry.json"), "{\"not\": \"a profile\"}");
        File.WriteAllText(Path.Combine(profiles, "broken.json"), "{ this is not json");
        File.WriteAllText(Path.Combine(profiles, "no-id.json"), "{\"psi_vector\": [0.1]}");
        File.WriteAllText(Path.Combine(profiles, "short.json"), "{\"model_id\": \"short\", \"psi_vector\": [0.1, 0.2]}");

        var weights = WeightsLoader.Load(dir.Path);

        Assert.Equal(10, weights.NumModels);
        Assert.Equal(3, weights.Warnings.Count);
        Assert.Contains(weights.Warnings, w => w.StartsWith("broken.json: skipped"));
        Assert.Contains(weights.Warnings, w => w.StartsWith("no-id.json: skipped, model_id is missing"));
        Assert.Contains(weights.Warnings, w => w.Contains("short.json: skipped, psi_vector has 2 entries but the clusters file has 100 clusters"));
    }

    [Fact]
    public void Zero_valid_profiles_is_an_error()
    {
        using var dir = new TempDir();
        ReferenceWeights.CopyTo(dir.Path);
        foreach (var f in Directory.GetFiles(Path.Combine(dir.Path, "profiles"))) File.Delete(f);
        File.WriteAllText(Path.Combine(dir.Path, "profiles", "bad.json"), "[]");

        var ex = Assert.Throws<RoutingException>(() => WeightsLoader.Load(dir.Path));

        Assert.Equal(RoutingErrorKind.InvalidWeights, ex.Kind);
        Assert.Contains("no valid model profiles", ex.Message);
        Assert.Contains("bad.json", ex.Message);
    }

    [Fact]
    public void Missing_directory_or_cluster_file_is_a_clear_error()
    {
        using var dir = new TempDir();
        var missing = Assert.Throws<RoutingException>(() => WeightsLoader.Load(Path.Combine(dir.Path, "nope")));
        Assert.Contains("weights directory not found", missing.Message);

        Directory.CreateDirectory(Path.Combine(dir.Path, "profiles"));
        var noClusters = Assert.Throws<RoutingException>(() => WeightsLoader.Load(dir.Path));
        Assert.Contains("no cluster file found", noClusters.Message);
    }

    [Fact]
    public void Corrupt_cluster_file_is_reported_with_its_path()
    {
        using var dir = new TempDir();
        ReferenceWeights.CopyTo(dir.Path);
        File.WriteAllBytes(Path.Combine(dir.Path, "clusters", "mmlu_full.npz"), [1, 2, 3]);

        var ex = Assert.Throws<RoutingException>(() => WeightsLoader.Load(dir.Path));

        Assert.Equal(RoutingErrorKind.InvalidWeights, ex.Kind);
        Assert.Contains("mmlu_full.npz", ex.Message);
    }

    [Fact]
    public void Weights_reject_profiles_of_another_cluster_count()
    {
        var assigner = new KMeansAssigner([[0.0], [1.0]]);
        Assert.Throws<ArgumentException>(() => new RoutingWeights(assigner, [new ModelProfile("m", [0.1, 0.2, 0.3], 0)]));
    }

    [Fact]
    public void Writer_output_loads_back()
    {
        using var dir = new TempDir();
        var original = WeightsLoader.Load(ReferenceWeights.Directory);
        Training.WeightsWriter.Write(original, dir.Path, "copy");

        var reloaded = WeightsLoader.Load(dir.Path);

        Assert.Equal(Path.Combine(dir.Path, "clusters", "default.npz"), reloaded.ClusterFile);
        Assert.Equal(original.Profiles.Select(p => p.ModelId), reloaded.Profiles.Select(p => p.ModelId));
        var a = (KMeansAssigner)original.Assigner;
        var b = (KMeansAssigner)reloaded.Assigner;
        Assert.Equal(a.GetCentroid(42), b.GetCentroid(42));
        Assert.Equal(original.Profiles[3].PsiVector, reloaded.Profiles[3].PsiVector);
        Assert.Equal(original.Profiles[3].OverallError, reloaded.Profiles[3].OverallError, 12);
        Assert.True(File.Exists(Path.Combine(dir.Path, "manifest.json")));
        Assert.Equal("kmeans", NpzReader.Read(reloaded.ClusterFile!)["type"].AsScalarString());
    }
}
