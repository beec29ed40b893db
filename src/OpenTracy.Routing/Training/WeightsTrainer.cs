using OpenTracy.Routing.Clustering;
using OpenTracy.Routing.Embedding;
using OpenTracy.Routing.Profiles;
using OpenTracy.Routing.Weights;

namespace OpenTracy.Routing.Training;

/// <summary>Trainer settings.</summary>
public sealed record TrainerOptions
{
    public const int DefaultClusters = 20;
    public const int DefaultEmbedConcurrency = 64;

    /// <summary>K; clipped to the number of distinct prompts.</summary>
    public int Clusters { get; init; } = DefaultClusters;

    public int MaxIterations { get; init; } = KMeans.DefaultMaxIterations;

    public int Seed { get; init; } = KMeans.DefaultSeed;

    /// <summary>k-means runs from different seeds; the lowest-inertia run is kept.</summary>
    public int Restarts { get; init; } = KMeans.DefaultRestarts;

    /// <summary>Cost per 1 000 tokens by model id (the profiles' <c>cost_per_1k_tokens</c>).</summary>
    public IReadOnlyDictionary<string, double>? CostPer1kTokens { get; init; }

    /// <summary>
    /// Fallback for models missing from <see cref="CostPer1kTokens"/>; by default the core price table
    /// (<see cref="TrainingCosts.FromPriceTable"/>). A model with no cost from either gets 0 and a warning.
    /// </summary>
    public Func<string, double?>? CostLookup { get; init; } = TrainingCosts.FromPriceTable;

    /// <summary>Prompts embedded concurrently (the embedder batches them).</summary>
    public int EmbedConcurrency { get; init; } = DefaultEmbedConcurrency;
}

/// <summary>What training produced: the weights (generation 0, no source path) and a summary.</summary>
public sealed record TrainingResult(RoutingWeights Weights, int Rows, int DistinctPrompts, int Iterations,
    bool Converged, IReadOnlyList<string> Warnings);

/// <summary>
/// Builds routing weights from labelled rows: embed the distinct prompts, k-means them into K clusters, then
/// Ψ[model][k] = 1 − accuracy of the model on cluster k (a cluster with no sample for the model gets the
/// model's overall error rate, as the reference does).
/// </summary>
public static class WeightsTrainer
{
    public static async Task<TrainingResult> TrainAsync(IEnumerable<TrainingRow> rows, IEmbedder embedder,
        TrainerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(embedder);
        var o = options ?? new TrainerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Clusters, 1, nameof(o.Clusters));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.EmbedConcurrency, 1, nameof(o.EmbedConcurrency));

        var data = rows.ToList();
        if (data.Count == 0) throw new ArgumentException("no training rows", nameof(rows));

        // Distinct prompts in first-seen order (deterministic k-means input).
        var promptIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var prompts = new List<string>();
        var rowPrompt = new int[data.Count];
        for (var i = 0; i < data.Count; i++)
        {
            if (!promptIndex.TryGetValue(data[i].Prompt, out var index))
            {
                index = prompts.Count;
                promptIndex[data[i].Prompt] = index;
                prompts.Add(data[i].Prompt);
            }
            rowPrompt[i] = index;
        }

        var embeddings = await EmbedAllAsync(prompts, embedder, o.EmbedConcurrency, cancellationToken).ConfigureAwait(false);
        var k = Math.Min(o.Clusters, prompts.Count);
        var warnings = new List<string>();
        if (k < o.Clusters) warnings.Add($"clusters clipped from {o.Clusters} to {k} (distinct prompts)");
        var kmeans = KMeans.Fit(embeddings, k, o.MaxIterations, o.Seed, o.Restarts);
        if (!kmeans.Converged) warnings.Add($"k-means stopped after {o.MaxIterations} iterations without converging");

        var profiles = BuildProfiles(data, rowPrompt, kmeans.Labels, k, o, warnings);
        var weights = new RoutingWeights(new KMeansAssigner(RoundToFloat32(kmeans.Centroids)), profiles, warnings: warnings);
        return new TrainingResult(weights, data.Count, prompts.Count, kmeans.Iterations, kmeans.Converged, warnings);
    }

    private static async Task<ReadOnlyMemory<float>[]> EmbedAllAsync(List<string> prompts, IEmbedder embedder,
        int concurrency, CancellationToken cancellationToken)
    {
        var result = new ReadOnlyMemory<float>[prompts.Count];
        for (var start = 0; start < prompts.Count; start += concurrency)
        {
            var end = Math.Min(prompts.Count, start + concurrency);
            var tasks = new Task<ReadOnlyMemory<float>>[end - start];
            for (var i = start; i < end; i++) tasks[i - start] = embedder.EmbedAsync(prompts[i], cancellationToken).AsTask();
            var chunk = await Task.WhenAll(tasks).ConfigureAwait(false);
            chunk.CopyTo(result, start);
        }
        return result;
    }

    private static List<ModelProfile> BuildProfiles(List<TrainingRow> data, int[] rowPrompt, int[] labels, int k,
        TrainerOptions o, List<string> warnings)
    {
        var stats = new SortedDictionary<string, (double[] Counts, double[] Correct)>(StringComparer.Ordinal);
        for (var i = 0; i < data.Count; i++)
        {
            var row = data[i];
            if (!stats.TryGetValue(row.Model, out var s))
            {
                s = (new double[k], new double[k]);
                stats[row.Model] = s;
            }
            var cluster = labels[rowPrompt[i]];
            s.Counts[cluster]++;
            s.Correct[cluster] += row.Correct;
        }

        var profiles = new List<ModelProfile>(stats.Count);
        foreach (var (model, (counts, correct)) in stats)
        {
            var samples = counts.Sum();
            var overallError = 1.0 - correct.Sum() / samples;
            var psi = new double[k];
            for (var c = 0; c < k; c++) psi[c] = counts[c] > 0 ? 1.0 - correct[c] / counts[c] : overallError;
            profiles.Add(new ModelProfile(model, psi, CostOf(model, o, warnings), (int)samples, counts));
        }
        return profiles;
    }

    private static double CostOf(string model, TrainerOptions o, List<string> warnings)
    {
        if (o.CostPer1kTokens is not null && o.CostPer1kTokens.TryGetValue(model, out var cost)) return cost;
        if (o.CostLookup?.Invoke(model) is { } looked) return looked;
        warnings.Add($"no cost for model '{model}': cost_per_1k_tokens = 0");
        return 0.0;
    }

    /// <summary>Centroids are stored as float32 (like the reference files); route with the stored values.</summary>
    private static double[][] RoundToFloat32(double[][] centroids)
        => centroids.Select(row => row.Select(v => (double)(float)v).ToArray()).ToArray();
}
