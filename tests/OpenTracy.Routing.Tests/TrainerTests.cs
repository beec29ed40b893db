using System.Text;
using OpenTracy.Routing.Embedding;
using OpenTracy.Routing.Training;
using OpenTracy.Routing.Weights;

namespace OpenTracy.Routing.Tests;

public sealed class TrainerTests
{
    /// <summary>Fixed 2-D vectors per prompt.</summary>
    private sealed class MapEmbedder(Dictionary<string, float[]> map) : IEmbedder
    {
        public int Dimension => 2;

        public ValueTask<ReadOnlyMemory<float>> EmbedAsync(string text, CancellationToken cancellationToken = default)
            => ValueTask.FromResult<ReadOnlyMemory<float>>(map[text]);
    }

    [Fact]
    public void Kmeans_separates_obvious_blobs_deterministically()
    {
        var random = new Random(1);
        var points = new List<ReadOnlyMemory<float>>();
        foreach (var (cx, cy) in new[] { (0f, 0f), (10f, 10f), (-10f, 10f) })
            for (var i = 0; i < 30; i++)
                points.Add(new[] { cx + (float)random.NextDouble(), cy + (float)random.NextDouble() });

        var a = KMeans.Fit(points, 3, seed: 7);
        var b = KMeans.Fit(points, 3, seed: 7);

        Assert.True(a.Converged);
        Assert.Equal(a.Labels, b.Labels);
        for (var blob = 0; blob < 3; blob++)
            Assert.Single(a.Labels.Skip(blob * 30).Take(30).Distinct()); // each blob is one cluster
        Assert.Equal(3, a.Labels.Distinct().Count());
    }

    [Fact]
    public async Task Psi_is_one_minus_accuracy_and_empty_clusters_get_the_overall_error()
    {
        var embedder = new MapEmbedder(new Dictionary<string, float[]>
        {
            ["p1"] = [0, 0], ["p2"] = [0.1f, 0], ["p3"] = [10, 10],
        });
        TrainingRow[] rows =
        [
            new("p1", "A", true), new("p2", "A", true), new("p3", "A", false),
            new("p3", "B", true), new("p3", "B", false), new("p3", "B", 1.0),
        ];

        var result = await WeightsTrainer.TrainAsync(rows, embedder, new TrainerOptions
        {
            Clusters = 2,
            CostPer1kTokens = new Dictionary<string, double> { ["A"] = 0.002 },
            CostLookup = model => model == "B" ? 0.0005 : null,
        });

        var w = result.Weights;
        var near = w.Assigner.Assign([0f, 0f]).ClusterId;
        var far = 1 - near;
        Assert.True(w.TryGetProfile("A", out var a));
        Assert.True(w.TryGetProfile("B", out var b));
        Assert.Equal(0.0, a.PsiVector[near], 12);
        Assert.Equal(1.0, a.PsiVector[far], 12);
        Assert.Equal(1.0 / 3, a.OverallError, 12);
        Assert.Equal(1.0 / 3, b.PsiVector[far], 12);
        Assert.Equal(1.0 / 3, b.PsiVector[near], 12); // no B sample there: B's overall error rate
        Assert.Equal(0.002, a.CostPer1kTokens);
        Assert.Equal(0.0005, b.CostPer1kTokens);
        Assert.Equal(3, a.NumValidationSamples);
        Assert.Equal(3, result.DistinctPrompts);
    }

    [Fact]
    public async Task Clusters_are_clipped_to_the_distinct_prompts_and_missing_costs_warn()
    {
        var embedder = new MapEmbedder(new Dictionary<string, float[]> { ["x"] = [0, 0], ["y"] = [1, 1] });

        var result = await WeightsTrainer.TrainAsync([new("x", "M", true), new("y", "M", false), new("x", "M", true)], embedder,
            new TrainerOptions { Clusters = 20 });

        Assert.Equal(2, result.Weights.NumClusters);
        Assert.Contains("clusters clipped from 20 to 2 (distinct prompts)", result.Warnings);
        Assert.Contains("no cost for model 'M': cost_per_1k_tokens = 0", result.Warnings);
    }

    [Fact]
    public async Task Costs_default_to_the_core_price_table()
    {
        var embedder = new MapEmbedder(new Dictionary<string, float[]> { ["x"] = [0, 0] });

        var result = await WeightsTrainer.TrainAsync(
            [new("x", "gpt-4o", true), new("x", "openai/gpt-4o-mini", true), new("x", "gpt-4o-2024-08-06", true)], embedder,
            new TrainerOptions { Clusters = 1, CostPer1kTokens = new Dictionary<string, double> { ["gpt-4o-2024-08-06"] = 0.5 } });

        Assert.True(result.Weights.TryGetProfile("gpt-4o", out var gpt4o));
        Assert.Equal(0.00625, gpt4o.CostPer1kTokens, 12); // (2.50 + 10.00) / 2 per 1M, as the reference profile
        Assert.True(result.Weights.TryGetProfile("openai/gpt-4o-mini", out var mini));
        Assert.Equal(0.000375, mini.CostPer1kTokens, 12);
        Assert.True(result.Weights.TryGetProfile("gpt-4o-2024-08-06", out var pinned));
        Assert.Equal(0.5, pinned.CostPer1kTokens); // an explicit cost wins
        Assert.DoesNotContain(result.Warnings, w => w.StartsWith("no cost"));
    }

    [Fact]
    public void Jsonl_reader_accepts_bools_and_scores_and_names_bad_lines()
    {
        var ok = TrainingRowReader.ReadJsonl(new StringReader(
            "{\"prompt\":\"a\",\"model\":\"m\",\"correct\":true}\n\n{\"prompt\":\"b\",\"model\":\"m\",\"correct\":0.5,\"extra\":1}\n")).ToList();
        Assert.Equal([new TrainingRow("a", "m", 1.0), new TrainingRow("b", "m", 0.5)], ok);

        var bad = Assert.Throws<InvalidDataException>(() => TrainingRowReader.ReadJsonl(new StringReader(
            "{\"prompt\":\"a\",\"model\":\"m\",\"correct\":true}\n{\"prompt\":\"b\",\"model\":\"m\",\"correct\":\"yes\"}"), "rows.jsonl").ToList());
        Assert.Equal("rows.jsonl:2: 'correct' must be true, false or a number from 0 to 1", bad.Message);
        var noModel = Assert.Throws<InvalidDataException>(() => TrainingRowReader.ReadJsonl(new StringReader("{\"prompt\":\"a\",\"correct\":true}")).ToList());
        Assert.Contains("'model' is missing", noModel.Message);
    }
}

/// <summary>Trainer round trip on real MiniLM embeddings: JSONL → weights directory → loader → routing.</summary>
[Collection(MiniLmCollection.Name)]
public sealed class TrainerRoundTripTests(MiniLmFixture model)
{
    // Two obvious topics: cooking recipes and Python code. (With K=2, short questions on mixed topics — SQL,
    // C#, JavaScript, git — cluster by phrasing as much as by topic, so each topic here shares its words.)
    private static readonly string[] Cooking =
    [
        "Give me a recipe for chocolate chip cookies.",
        "What spices should I put in a chicken curry recipe?",
        "How do I bake sourdough bread at home?",
        "What is a good recipe for tomato soup?",
        "How long do I roast a whole chicken in the oven?",
        "How do I cook rice so it is not sticky?",
        "What is the best recipe for fluffy pancakes?",
        "How do I caramelize onions in a frying pan?",
    ];

    private static readonly string[] Programming =
    [
        "Write a Python function to reverse a list.",
        "Write a Python function that sorts a dictionary by value.",
        "Fix this Python code: for i in range(10) print(i)",
        "How do I read a file line by line in Python?",
        "Write a Python function that merges two sorted lists.",
        "Explain Python list comprehensions with code examples.",
        "How do I install a Python package with pip?",
        "How do I handle exceptions in Python code?",
    ];

    [Fact]
    public async Task Trained_weights_route_each_topic_to_the_model_that_is_right_on_it()
    {
        using var dir = new TempDir();
        var jsonl = Path.Combine(dir.Path, "rows.jsonl");
        var lines = new StringBuilder();
        foreach (var p in Cooking)
        {
            lines.AppendLine(Row(p, "chef-model", true));
            lines.AppendLine(Row(p, "code-model", false));
        }
        foreach (var p in Programming)
        {
            lines.AppendLine(Row(p, "chef-model", false));
            lines.AppendLine(Row(p, "code-model", true));
        }
        File.WriteAllText(jsonl, lines.ToString());
        var output = Path.Combine(dir.Path, "weights");

        var result = await WeightsTrainer.TrainAsync(TrainingRowReader.ReadJsonl(jsonl), model.Embedder,
            new TrainerOptions { Clusters = 2, CostPer1kTokens = new Dictionary<string, double> { ["chef-model"] = 0.001, ["code-model"] = 0.001 } });
        WeightsWriter.Write(result.Weights, output, "synthetic");

        Assert.Equal(32, result.Rows);
        Assert.Equal(16, result.DistinctPrompts);
        var loaded = WeightsLoader.Load(output);
        Assert.Equal(2, loaded.NumClusters);
        Assert.Equal(["chef-model", "code-model"], loaded.Profiles.Select(p => p.ModelId));
        Assert.Empty(loaded.Warnings);

        var router = new SemanticRouter(model.Embedder, new SemanticRouterOptions { WeightsPath = output });
        Assert.Null(router.TryLoadConfigured());
        foreach (var p in Cooking) Assert.Equal("chef-model", (await router.RouteAsync(p)).SelectedModel);
        foreach (var p in Programming) Assert.Equal("code-model", (await router.RouteAsync(p)).SelectedModel);
        // prompts the trainer never saw
        string[] newCooking = ["Share a recipe for banana bread.", "How do I cook salmon in the oven?"];
        string[] newProgramming = ["Write a Python function that checks for prime numbers.", "How do I parse command line arguments in Python code?"];
        foreach (var p in newCooking) Assert.Equal("chef-model", (await router.RouteAsync(p)).SelectedModel);
        foreach (var p in newProgramming) Assert.Equal("code-model", (await router.RouteAsync(p)).SelectedModel);
    }

    private static string Row(string prompt, string model, bool correct)
        => $"{{\"prompt\":\"{prompt}\",\"model\":\"{model}\",\"correct\":{(correct ? "true" : "false")}}}";
}
