using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>A node with the reference weights (shared/weights/weights-mmlu-v1) and the mock as OpenAI and Mistral.</summary>
public sealed class RoutingNodeFixture : NodeFixture
{
    public const string MistralKey = "sk-node-test-mistral";

    /// <summary>The first routed request waits for the embedding model on a loaded machine.</summary>
    protected override string ExtraHocon => "opentracy.routing.ready-wait = 5m";

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraEnvironment =>
    [
        new("OPENTRACY_WEIGHTS_PATH", ReferenceWeights.Directory),
        new("MISTRAL_API_KEY", MistralKey),
        new("MISTRAL_BASE_URL", MistralBaseUrl),
    ];

    /// <summary>Set before the node starts (the mock starts first); read lazily by <see cref="ExtraEnvironment"/>.</summary>
    private string? MistralBaseUrl => Mock?.BaseUrl.ToString().TrimEnd('/') + "/v1";
}

/// <summary>Locates the reference weights: walks up from the test binaries to shared/weights/weights-mmlu-v1.</summary>
internal static class ReferenceWeights
{
    private const string Relative = "shared/weights/weights-mmlu-v1";

    public static string Directory { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, Relative);
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"reference weights not found: no '{Relative}' in any parent of {AppContext.BaseDirectory}");
    }
}

public sealed class SemanticRoutingTests(RoutingNodeFixture fx) : IClassFixture<RoutingNodeFixture>
{
    // Pinned in tests/OpenTracy.Routing.Tests/ReferenceDecisionTests.cs (λ = 0).
    private const string PinnedPrompt = "Write a Python function that checks whether a string is a palindrome.";
    private const int PinnedCluster = 88;
    private const string PinnedModel = "gpt-4o";
    private const int ReloadRounds = 3;
    private const int RequestsPerRound = 8;

    private Task<HttpResponseMessage> PostAsync(string path, string json)
        => fx.Http.PostAsync(new Uri(fx.BaseUrl, path), new StringContent(json, Encoding.UTF8, "application/json"));

    private static string Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    [Fact]
    public async Task Route_answers_the_reference_shape_with_the_pinned_decision()
    {
        using var response = await PostAsync("/v1/route", new JsonObject { ["prompt"] = PinnedPrompt }.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(PinnedModel, (string?)json["selected_model"]);
        Assert.Equal(PinnedCluster, (int)json["cluster_id"]!);
        foreach (var field in new[] { "expected_error", "cost_adjusted_score", "all_scores", "cluster_probabilities", "cache_hit", "usage" })
            Assert.True(json.ContainsKey(field), $"missing {field} in {text}");
        Assert.True(json["all_scores"]!.AsObject().ContainsKey(PinnedModel));
        Assert.True(json["usage"]!.AsObject().ContainsKey("routing_ms"));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"prompt\":\"\"}")]
    [InlineData("{\"embedding\":[0.1,0.2,0.3]}")]
    [InlineData("{\"prompt\":")]
    [InlineData("{\"prompt\":\"hi\",\"available_models\":[\"no-such-model\"]}")]
    public async Task Bad_route_requests_are_400(string body)
    {
        using var response = await PostAsync("/v1/route", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
    }

    [Theory]
    [InlineData("auto", false)]
    [InlineData("auto", true)]
    [InlineData("", false)]
    public async Task Auto_chat_goes_upstream_with_the_chosen_bare_model(string model, bool stream)
    {
        var id = NodeFixture.NewId("auto");
        var body = NodeFixture.Body(model, $"{PinnedPrompt} [mock id={id}]", stream);
        using var response = stream ? await fx.PostStreamingAsync(body) : await fx.PostAsync(body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var selected = Header(response, "X-OpenTracy-Selected-Model");
        Assert.False(string.IsNullOrEmpty(selected));
        Assert.NotEqual("auto", selected);
        Assert.Matches(@"^\d+$", Header(response, "X-OpenTracy-Cluster-Id"));
        Assert.Matches(@"^\d+\.\d{4}$", Header(response, "X-OpenTracy-Expected-Error"));
        Assert.Matches(@"^\d+\.\d{2}$", Header(response, "X-OpenTracy-Routing-Ms"));
        var recorded = Assert.Single(fx.Mock.GetRequests(id));
        var upstreamModel = (string?)JsonNode.Parse(recorded.Body)!["model"];
        Assert.Equal(selected, upstreamModel);
    }

    [Fact]
    public async Task Models_lists_auto_and_the_profile_models()
    {
        using (var route = await PostAsync("/v1/route", new JsonObject { ["prompt"] = PinnedPrompt }.ToJsonString()))
            Assert.Equal(HttpStatusCode.OK, route.StatusCode); // waits until the model is loaded
        using var response = await fx.Http.GetAsync(new Uri(fx.BaseUrl, "/v1/models"));
        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!.AsArray();
        var owners = data.ToDictionary(e => (string)e!["id"]!, e => (string)e!["owned_by"]!);

        Assert.True(owners.ContainsKey("auto"));
        Assert.Equal("openai", owners[PinnedModel]);
        Assert.Equal("mistral", owners["ministral-3b-latest"]);
    }

    [Fact]
    public async Task Reload_through_http_while_requests_run_fails_none()
    {
        var failures = new List<string>();
        for (var round = 0; round < ReloadRounds; round++)
        {
            var routes = Enumerable.Range(0, RequestsPerRound).Select(async i =>
            {
                using var r = await PostAsync("/v1/route", new JsonObject { ["prompt"] = $"{PinnedPrompt} round {round} #{i}" }.ToJsonString());
                return r.IsSuccessStatusCode ? null : $"{r.StatusCode}: {await r.Content.ReadAsStringAsync()}";
            }).ToList();
            using var reload = await PostAsync("/v1/weights/reload", round % 2 == 0 ? "" : new JsonObject { ["weights_path"] = ReferenceWeights.Directory }.ToJsonString());
            var reloadText = await reload.Content.ReadAsStringAsync();
            Assert.True(reload.StatusCode == HttpStatusCode.OK, reloadText);
            var json = JsonNode.Parse(reloadText)!;
            Assert.True((long)json["new_generation"]! > (long)json["old_generation"]!);
            Assert.True((int)json["num_clusters"]! > 0);
            Assert.True((int)json["num_models"]! > 0);
            failures.AddRange((await Task.WhenAll(routes)).OfType<string>());
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Reload_of_a_missing_directory_is_500_and_keeps_routing()
    {
        using var reload = await PostAsync("/v1/weights/reload", new JsonObject { ["weights_path"] = "/nonexistent/weights" }.ToJsonString());
        Assert.Equal(HttpStatusCode.InternalServerError, reload.StatusCode);
        Assert.StartsWith("failed to reload weights: ", (string?)JsonNode.Parse(await reload.Content.ReadAsStringAsync())!["error"]!["message"]);

        using var route = await PostAsync("/v1/route", new JsonObject { ["prompt"] = PinnedPrompt }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, route.StatusCode);
    }
}

/// <summary>The default node (no weights path): "auto" and /v1/route are 400, and the model list has no "auto".</summary>
public sealed class NoSemanticRoutingTests(NodeFixture fx) : IClassFixture<NodeFixture>
{
    [Theory]
    [InlineData("/v1/chat/completions", "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")]
    [InlineData("/v1/route", "{\"prompt\":\"hi\"}")]
    [InlineData("/v1/weights/reload", "")]
    public async Task Without_weights_routing_is_400(string path, string body)
    {
        using var response = await fx.Http.PostAsync(new Uri(fx.BaseUrl, path), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Contains(path == "/v1/weights/reload" ? "no weights" : "semantic routing not available", text);
    }

    [Fact]
    public async Task Models_has_no_auto()
    {
        var text = await fx.Http.GetStringAsync(new Uri(fx.BaseUrl, "/v1/models"));
        Assert.DoesNotContain("\"auto\"", text);
    }
}
