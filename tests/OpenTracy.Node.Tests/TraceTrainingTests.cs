using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTracy.Node.Observability;
using OpenTracy.Node.Tests.Support;
using OpenTracy.Routing.Trainer;
using OpenTracy.Routing.Weights;

namespace OpenTracy.Node.Tests;

/// <summary>A prompt-capturing node that also routes "auto" (starts with the reference weights).</summary>
public sealed class TrainingNodeFixture : PromptCaptureFixture
{
    protected override string ExtraHocon => base.ExtraHocon + "\nopentracy.routing.ready-wait = 5m";

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraEnvironment =>
        [new("OPENTRACY_WEIGHTS_PATH", ReferenceWeights.Directory)];
}

internal static class Trainer
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await TrainerCommand.Create(stdout, stderr).Parse(args).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>The whole loop: traffic with captured prompts → feedback → trainer --traces → reload → "auto" follows the labels.</summary>
public sealed class TrainFromTracesTests(TrainingNodeFixture fx) : IClassFixture<TrainingNodeFixture>
{
    private static readonly string[] Maths =
    [
        "What is the integral of x squared?", "Solve the equation 3x + 5 = 20.",
        "What is the derivative of e to the x?", "Compute the limit of sin(x)/x at zero.",
    ];

    private static readonly string[] Poems =
    [
        "Write a short poem about the sea.", "Write a haiku about autumn leaves.",
        "Compose a sonnet about the moon.", "Write a limerick about a cat.",
    ];

    // Written bare and with the provider: the trainer names both provider/model.
    private const string MathModel = "gpt-4o";
    private const string PoetModel = "openai/gpt-4o-mini";

    private Task<HttpResponseMessage> PostJsonAsync(string path, string json)
        => fx.Http.PostAsync(new Uri(fx.BaseUrl, path), new StringContent(json, Encoding.UTF8, "application/json"));

    private static string Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    [Fact]
    public async Task Weights_trained_from_labelled_traffic_route_auto_by_the_labels()
    {
        foreach (var (model, goodAt) in new[] { (MathModel, Maths), (PoetModel, Poems) })
        {
            foreach (var prompt in Maths.Concat(Poems))
            {
                using var response = await fx.PostAsync(NodeFixture.Body(model, prompt));
                response.EnsureSuccessStatusCode();
                using var label = await Feedback.LabelAsync(fx, Feedback.RequestId(response), correct: goodAt.Contains(prompt));
                Assert.Equal(HttpStatusCode.OK, label.StatusCode);
            }
        }
        using (var unlabelled = await fx.PostAsync(NodeFixture.Body(MathModel, "an unlabelled request")))
            unlabelled.EnsureSuccessStatusCode();

        using var dir = new TempDirectory();
        var output = Path.Combine(dir.Path, "weights");
        var run = await Trainer.RunAsync("--traces", fx.TracesPath, "--out", output, "--clusters", "2");

        Assert.True(run.Exit == TrainerCommand.ExitOk, run.Err);
        Assert.Contains("read 16 labelled trace records", run.Out);
        var weights = WeightsLoader.Load(output);
        Assert.Equal(2, weights.NumClusters);
        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini"], weights.Profiles.Select(p => p.ModelId).Order(StringComparer.Ordinal));
        foreach (var profile in weights.Profiles)
        {
            Assert.Equal(8, profile.NumValidationSamples);
            Assert.Equal(0.5, profile.OverallAccuracy, 12);
            Assert.Equal([0.0, 1.0], profile.PsiVector.Order());
        }

        using var reload = await PostJsonAsync("/v1/weights/reload", new JsonObject { ["weights_path"] = output }.ToJsonString());
        var reloadText = await reload.Content.ReadAsStringAsync();
        Assert.True(reload.StatusCode == HttpStatusCode.OK, reloadText);
        Assert.Equal(2, (int)JsonNode.Parse(reloadText)!["num_models"]!);

        using var maths = await fx.PostAsync(NodeFixture.Body("auto", Maths[1]));
        Assert.True(maths.StatusCode == HttpStatusCode.OK, await maths.Content.ReadAsStringAsync());
        Assert.Equal("openai/gpt-4o", Header(maths, "X-OpenTracy-Selected-Model"));
        using var poem = await fx.PostAsync(NodeFixture.Body("auto", Poems[2]));
        Assert.True(poem.StatusCode == HttpStatusCode.OK, await poem.Content.ReadAsStringAsync());
        Assert.Equal("openai/gpt-4o-mini", Header(poem, "X-OpenTracy-Selected-Model"));
    }
}

/// <summary>The trainer's --traces input against databases written by the real <see cref="TraceStore"/>.</summary>
public sealed class TraceInputTests
{
    private static TraceRecord Record(string id, string? prompt, string? model = "openai/gpt-4o-mini")
        => new(id, DateTimeOffset.UtcNow, model, model, model is null ? null : "openai", false, 200, 1, 3, 4, 0.001, 12.5, null, null, null, prompt);

    private static async Task WriteAsync(string path, params TraceRecord[] records)
    {
        var settings = new TraceStoreSettings(true, path, 100, 8, TimeSpan.FromMilliseconds(10), 1000, 1000, CapturePrompts: true, MaxPromptChars: 100, FeedbackWait: TimeSpan.FromSeconds(5));
        using var store = new TraceStore(settings, new GatewayMetrics(10), NullLogger<TraceStore>.Instance);
        await store.StartAsync(CancellationToken.None);
        foreach (var r in records) Assert.True(store.TryAdd(r));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await store.LatestAsync(1000, CancellationToken.None)).Count < records.Length && DateTime.UtcNow < deadline) await Task.Delay(20);
        await store.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Without_labelled_rows_the_trainer_says_how_to_get_them_and_keeps_old_weights()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "traces.db");
        await WriteAsync(db, Record("a", prompt: null), Record("b", prompt: "captured but never labelled"));
        var output = Path.Combine(dir.Path, "weights");
        Directory.CreateDirectory(Path.Combine(output, WeightsLoader.ProfilesDirectory));
        File.WriteAllText(Path.Combine(output, WeightsLoader.ProfilesDirectory, "old.json"), "{}");

        var run = await Trainer.RunAsync("--traces", db, "--out", output, "--force");

        Assert.Equal(TrainerCommand.ExitFailed, run.Exit);
        Assert.Contains("no labelled rows", run.Err);
        Assert.Contains("capture-prompts = on", run.Err);
        Assert.Contains("POST /v1/feedback", run.Err);
        Assert.True(File.Exists(Path.Combine(output, WeightsLoader.ProfilesDirectory, "old.json")), "a failed read must not clear --out");
    }

    [Fact]
    public async Task Missing_or_foreign_databases_and_both_or_no_inputs_fail()
    {
        using var dir = new TempDirectory();
        var output = Path.Combine(dir.Path, "weights");

        var missing = await Trainer.RunAsync("--traces", Path.Combine(dir.Path, "nope.db"), "--out", output);
        Assert.Equal(TrainerCommand.ExitFailed, missing.Exit);
        Assert.Contains("trace database not found", missing.Err);

        var foreign = Path.Combine(dir.Path, "foreign.db");
        await using (var connection = new SqliteConnection($"Data Source={foreign};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE other (x INTEGER);";
            await create.ExecuteNonQueryAsync();
        }
        var notTraces = await Trainer.RunAsync("--traces", foreign, "--out", output);
        Assert.Equal(TrainerCommand.ExitFailed, notTraces.Exit);
        Assert.Contains("no traces table", notTraces.Err);

        File.WriteAllText(Path.Combine(dir.Path, "rows.jsonl"), "{\"prompt\":\"p\",\"model\":\"m\",\"correct\":true}\n");
        Assert.NotEqual(TrainerCommand.ExitOk, (await Trainer.RunAsync("--traces", foreign, "--input", Path.Combine(dir.Path, "rows.jsonl"), "--out", output)).Exit);
        Assert.NotEqual(TrainerCommand.ExitOk, (await Trainer.RunAsync("--out", output)).Exit);
    }

    [Theory]
    [InlineData("gpt-4o", "openai", "openai/gpt-4o")]
    [InlineData("openai/gpt-4o", "openai", "openai/gpt-4o")]
    [InlineData("claude-3-5-haiku-20241022", "anthropic", "anthropic/claude-3-5-haiku-20241022")]
    [InlineData("my-deployment", "azure", "my-deployment")]
    [InlineData("gpt-4o", null, "gpt-4o")]
    public void Trace_models_are_named_provider_slash_model_when_they_resolve_to_the_provider(string model, string? provider, string expected)
        => Assert.Equal(expected, TraceRowReader.ModelName(model, provider));
}

internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("opentracy-test-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
