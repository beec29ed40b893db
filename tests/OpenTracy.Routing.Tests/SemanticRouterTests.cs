using System.Collections.Concurrent;
using System.Text.Json;
using OpenTracy.Routing.Api;
using OpenTracy.Routing.Weights;
using OpenTracy.Wire;

namespace OpenTracy.Routing.Tests;

public sealed class SemanticRouterTests
{
    private static SemanticRouter Loaded(out CountingEmbedder embedder, Task? gate = null, SemanticRouterOptions? options = null)
    {
        embedder = new CountingEmbedder(new HashEmbedder(), gate);
        var router = new SemanticRouter(embedder, options ?? new SemanticRouterOptions { WeightsPath = ReferenceWeights.Directory });
        Assert.Null(router.TryLoadConfigured());
        return router;
    }

    [Fact]
    public async Task Without_weights_routing_is_unavailable_with_a_clear_message()
    {
        var router = new SemanticRouter(new HashEmbedder());

        var ex = await Assert.ThrowsAsync<RoutingException>(() => router.RouteAsync("hi"));

        Assert.False(router.IsAvailable);
        Assert.Equal(RoutingErrorKind.NotAvailable, ex.Kind);
        Assert.StartsWith("semantic routing not available", ex.Message);
        Assert.Equal("no weights directory configured", router.TryLoadConfigured());
        var reload = Assert.Throws<RoutingException>(() => router.Reload());
        Assert.StartsWith("no weights path configured", reload.Message);
    }

    [Fact]
    public async Task Second_identical_prompt_is_served_from_the_cache()
    {
        var router = Loaded(out var embedder);

        var first = await router.RouteAsync("what is a monad?");
        var second = await router.RouteAsync("what is a monad?");
        var otherLambda = await router.RouteAsync("what is a monad?", costWeight: 0.5);

        Assert.False(first.CacheHit);
        Assert.True(second.CacheHit);
        Assert.Equal(0, second.EmbeddingMs);
        Assert.True(first.EmbeddingMs >= 0);
        Assert.Equal(first.SelectedModel, second.SelectedModel);
        Assert.False(otherLambda.CacheHit);
        Assert.Equal(2, embedder.Calls);
    }

    [Fact]
    public async Task Concurrent_identical_misses_embed_once()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var router = Loaded(out var embedder, gate.Task);

        var calls = Enumerable.Range(0, 32).Select(_ => router.RouteAsync("the same prompt, 32 times")).ToArray();
        gate.SetResult();
        var decisions = await Task.WhenAll(calls);

        Assert.Equal(1, embedder.Calls);
        Assert.Single(decisions.Select(d => d.SelectedModel).Distinct());
        Assert.All(decisions, d => Assert.False(d.CacheHit));
    }

    [Fact]
    public async Task Chat_messages_route_on_the_last_user_message()
    {
        var router = Loaded(out _);
        ChatMessage[] messages =
        [
            ChatMessage.System("be brief"),
            ChatMessage.User("first question"),
            ChatMessage.Assistant("answer"),
            new() { Role = "user", Content = MessageContent.FromParts([ContentPart.FromText("part one"), ContentPart.FromImageUrl("http://x/y.png"), ContentPart.FromText("part two")]) },
            ChatMessage.Assistant("trailing"),
        ];

        Assert.Equal("part one\npart two", RoutingPrompt.FromMessages(messages));
        Assert.Equal("only system", RoutingPrompt.FromMessages([ChatMessage.System("only system")]));
        Assert.Equal(string.Empty, RoutingPrompt.FromMessages([]));
        var viaMessages = await router.RouteMessagesAsync(messages);
        var viaPrompt = await router.RouteAsync("part one\npart two");
        Assert.Equal(viaMessages.SelectedModel, viaPrompt.SelectedModel);
        Assert.True(viaPrompt.CacheHit);
    }

    [Fact]
    public async Task Route_request_validates_and_answers_in_the_reference_shape()
    {
        var router = Loaded(out var embedder);

        var none = await Assert.ThrowsAsync<RoutingException>(() => router.RouteAsync(new RouteRequest()));
        Assert.Equal("either 'prompt' or 'embedding' is required", none.Message);
        Assert.Equal(RoutingErrorKind.InvalidRequest, none.Kind);

        var shortVector = await Assert.ThrowsAsync<RoutingException>(() => router.RouteAsync(new RouteRequest { Embedding = [1f, 2f] }));
        Assert.Equal(RoutingErrorKind.InvalidRequest, shortVector.Kind);

        var body = """{"prompt":"Solve 2x+3=7","available_models":["gpt-4o","gpt-4o-mini"],"cost_weight":0}""";
        var request = JsonSerializer.Deserialize(body, RoutingJson.Default.RouteRequest)!;
        var response = await router.RouteAsync(request);
        var json = JsonDocument.Parse(JsonSerializer.Serialize(response, RoutingJson.Default.RouteResponse)).RootElement;

        Assert.Equal(["selected_model", "expected_error", "cost_adjusted_score", "all_scores", "cluster_id",
                "cluster_probabilities", "reasoning", "cache_hit", "usage"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], json.GetProperty("all_scores").EnumerateObject().Select(p => p.Name));
        Assert.Equal(100, json.GetProperty("cluster_probabilities").GetArrayLength());
        Assert.False(json.GetProperty("cache_hit").GetBoolean());
        Assert.True(json.GetProperty("usage").TryGetProperty("embedding_ms", out _));
        Assert.True(json.GetProperty("usage").GetProperty("routing_ms").GetDouble() >= 0);

        // An embedding input bypasses the cache and reports no embedding time.
        var embedding = HashEmbedder.Vector("Solve 2x+3=7", 384);
        var byVector = await router.RouteAsync(new RouteRequest { Embedding = embedding, AvailableModels = ["gpt-4o", "gpt-4o-mini"] });
        var vectorJson = JsonDocument.Parse(JsonSerializer.Serialize(byVector, RoutingJson.Default.RouteResponse)).RootElement;
        Assert.False(vectorJson.GetProperty("usage").TryGetProperty("embedding_ms", out _));
        Assert.Equal(response.SelectedModel, byVector.SelectedModel);
        Assert.Equal(1, embedder.Calls);
    }

    [Fact]
    public async Task Allowed_models_apply_when_the_request_names_none()
    {
        var router = Loaded(out _, options: new SemanticRouterOptions
        {
            WeightsPath = ReferenceWeights.Directory,
            AllowedModels = ["gpt-3.5-turbo"],
        });

        Assert.Equal("gpt-3.5-turbo", (await router.RouteAsync("anything")).SelectedModel);
        Assert.Equal("gpt-4o", (await router.RouteAsync("anything", ["gpt-4o"])).SelectedModel);
    }

    [Fact]
    public async Task Reload_swaps_weights_bumps_the_generation_and_clears_the_cache()
    {
        using var dir = new TempDir();
        ReferenceWeights.CopyTo(dir.Path);
        File.Delete(Path.Combine(dir.Path, "clusters", "mmlu_full.npz")); // the copy loads default.npz (K=50)
        foreach (var f in Directory.GetFiles(Path.Combine(dir.Path, "profiles"))) File.Delete(f);
        WriteProfile(dir.Path, "only-model", 50);

        var router = Loaded(out _);
        await router.RouteAsync("warm the cache");
        Assert.Equal(1, router.Cache.GetStatistics().Size);

        var result = router.Reload(dir.Path);

        Assert.Equal(1, result.OldGeneration);
        Assert.Equal(2, result.NewGeneration);
        Assert.Equal(50, result.NumClusters);
        Assert.Equal(1, result.NumModels);
        Assert.Equal("weights reloaded", result.Message);
        Assert.Equal(0, router.Cache.GetStatistics().Size);
        var after = await router.RouteAsync("warm the cache");
        Assert.False(after.CacheHit);
        Assert.Equal("only-model", after.SelectedModel);
        Assert.Equal(2, after.WeightsGeneration);

        // A failed reload keeps the weights in use.
        Assert.Throws<RoutingException>(() => router.Reload(Path.Combine(dir.Path, "missing")));
        Assert.Equal(2, router.CurrentWeights!.Generation);
    }

    [Fact]
    public async Task Unknown_models_fail_before_anything_is_embedded()
    {
        var router = Loaded(out var embedder);

        var ex = await Assert.ThrowsAsync<RoutingException>(() => router.RouteAsync("hello", ["not-a-profile"]));

        Assert.Equal("no models available for routing", ex.Message);
        Assert.Equal(RoutingErrorKind.NoModels, ex.Kind);
        Assert.Equal(0, embedder.Calls);
    }

    [Fact]
    public void Weights_of_another_dimension_are_refused()
    {
        var router = new SemanticRouter(new HashEmbedder(dimension: 16));
        var ex = Assert.Throws<RoutingException>(() => router.Reload(ReferenceWeights.Directory));
        Assert.Equal(RoutingErrorKind.InvalidWeights, ex.Kind);
        Assert.Contains("384-dimensional centroids but the embedder produces 16", ex.Message);
    }

    [Fact]
    public async Task Reload_under_concurrent_load_never_fails_a_request()
    {
        using var dir = new TempDir();
        ReferenceWeights.CopyTo(dir.Path);
        File.Delete(Path.Combine(dir.Path, "clusters", "mmlu_full.npz"));
        foreach (var f in Directory.GetFiles(Path.Combine(dir.Path, "profiles"))) File.Delete(f);
        WriteProfile(dir.Path, "small-weights-model", 50);

        var router = Loaded(out _);
        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<Exception>();
        var seen = new ConcurrentDictionary<long, int>(); // generation → cluster count seen in decisions
        var completed = 0;

        async Task Client(int id)
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // a mix of fresh prompts (embed) and repeated ones (cache hits)
                    var d = await router.RouteAsync($"client {id} prompt {n++ % 25}");
                    seen[d.WeightsGeneration] = d.ClusterProbabilities.Count;
                    Assert.True(d.ClusterId < d.ClusterProbabilities.Count);
                    Interlocked.Increment(ref completed);
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
                await Task.Yield();
            }
        }

        var clients = Enumerable.Range(0, 8).Select(i => Task.Run(() => Client(i))).ToArray();
        for (var i = 0; i < 20; i++)
        {
            await router.ReloadAsync(i % 2 == 0 ? dir.Path : ReferenceWeights.Directory);
            await Task.Delay(10);
        }
        stop.Cancel();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.True(completed > 0);
        Assert.Equal(21, router.CurrentWeights!.Generation);
        Assert.True(seen.Count > 1, "decisions came from more than one weights generation");
        // every decision was computed against one consistent snapshot: odd generations (reference, K=100),
        // even generations (the copy, K=50)
        Assert.All(seen, kv => Assert.Equal(kv.Key % 2 == 1 ? 100 : 50, kv.Value));
    }

    private static void WriteProfile(string root, string modelId, int clusters)
    {
        var psi = string.Join(",", Enumerable.Repeat("0.1", clusters));
        File.WriteAllText(Path.Combine(root, "profiles", modelId + ".json"),
            $$"""{"model_id":"{{modelId}}","psi_vector":[{{psi}}],"cost_per_1k_tokens":0.001}""");
    }
}
