using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OpenTracy.Routing.Embedding;
using OpenTracy.Routing.Training;

namespace OpenTracy.Routing.Trainer;

/// <summary>
/// <c>opentracy-train-router (--input rows.jsonl | --traces opentracy-traces.db) --out weights-dir [--clusters 20]
/// [--costs costs.json] [--cost model=0.001]</c>: reads labelled rows from a JSONL file or from a node's trace
/// database (records with a captured prompt and feedback, see <see cref="TraceRowReader"/>), embeds the prompts with the in-process MiniLM model, clusters them, computes Ψ per model and cluster and
/// writes a weights directory the node loads (<c>POST /v1/weights/reload</c>). Costs: --costs/--cost, else the
/// core price table.
/// </summary>
public static class TrainerCommand
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;

    public static RootCommand Create(TextWriter stdout, TextWriter stderr)
    {
        var input = new Option<FileInfo?>("--input", "-i") { Description = "JSONL file of {\"prompt\", \"model\", \"correct\"} rows (or --traces)" };
        var traces = new Option<FileInfo?>("--traces", "-t")
        {
            Description = "a node's SQLite trace database (opentracy.observability.traces.path): trains on the records with a captured " +
                          "prompt (traces.capture-prompts = on) and a label (POST /v1/feedback); model = provider/model that answered",
        };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "weights directory to write (clusters/, profiles/, manifest.json)", Required = true };
        var clusters = new Option<int>("--clusters", "-k") { Description = "number of clusters K (clipped to the distinct prompts)", DefaultValueFactory = _ => TrainerOptions.DefaultClusters };
        var seed = new Option<int>("--seed") { Description = "k-means seed", DefaultValueFactory = _ => KMeans.DefaultSeed };
        var restarts = new Option<int>("--restarts") { Description = "k-means runs; the lowest-inertia one is kept", DefaultValueFactory = _ => KMeans.DefaultRestarts };
        var maxIterations = new Option<int>("--max-iterations") { Description = "Lloyd iterations per run", DefaultValueFactory = _ => KMeans.DefaultMaxIterations };
        var costsFile = new Option<FileInfo?>("--costs") { Description = "JSON object {\"model\": cost_per_1k_tokens, ...}" };
        var cost = new Option<string[]>("--cost") { Description = "model=cost_per_1k_tokens (repeatable; overrides --costs; models in neither come from the price table)", AllowMultipleArgumentsPerToken = false };
        var id = new Option<string?>("--id") { Description = "weights id written to manifest.json (default: the directory name)" };
        var force = new Option<bool>("--force") { Description = "replace existing clusters/*.npz and profiles/*.json in --out" };

        var root = new RootCommand("Train semantic-routing weights from labelled prompts: a JSONL file (--input) or the node's own labelled traffic (--traces).")
        {
            input, traces, output, clusters, seed, restarts, maxIterations, costsFile, cost, id, force,
        };
        root.Validators.Add(result =>
        {
            if ((result.GetValue(input) is null) == (result.GetValue(traces) is null))
                result.AddError("give exactly one of --input (JSONL rows) or --traces (a node's trace database)");
        });
        root.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var costs = ReadCosts(parse.GetValue(costsFile), parse.GetValue(cost) ?? []);
                var options = new TrainerOptions
                {
                    Clusters = parse.GetValue(clusters),
                    Seed = parse.GetValue(seed),
                    Restarts = parse.GetValue(restarts),
                    MaxIterations = parse.GetValue(maxIterations),
                    CostPer1kTokens = costs,
                };
                var outDir = parse.GetValue(output)!;
                var source = parse.GetValue(input) is { } jsonl ? InputSource.Jsonl(jsonl) : InputSource.Traces(parse.GetValue(traces)!);
                var rows = source.Read(); // before touching --out: a bad input leaves old weights in place
                PrepareOutput(outDir, parse.GetValue(force));
                await RunAsync(source, rows, outDir, options, parse.GetValue(id) ?? outDir.Name, stdout, stderr, cancellationToken);
                return ExitOk;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or ArgumentException or JsonException or RoutingException or FormatException)
            {
                await stderr.WriteLineAsync($"error: {ex.Message}");
                return ExitFailed;
            }
        });
        return root;
    }

    /// <summary>Where the rows come from: a JSONL file or a node's trace database.</summary>
    private sealed record InputSource(FileInfo File, bool IsTraces)
    {
        public static InputSource Jsonl(FileInfo file) => new(file, false);

        public static InputSource Traces(FileInfo file) => new(file, true);

        public List<TrainingRow> Read()
        {
            if (IsTraces) return TraceRowReader.Read(File.FullName);
            if (!File.Exists) throw new IOException($"input file not found: {File.FullName}");
            return TrainingRowReader.ReadJsonl(File.FullName).ToList();
        }
    }

    private static async Task RunAsync(InputSource source, List<TrainingRow> rows, DirectoryInfo outDir, TrainerOptions options, string id,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var input = source.File;
        await stdout.WriteLineAsync(source.IsTraces
            ? $"read {rows.Count} labelled trace records from {input.FullName}"
            : $"read {rows.Count} rows from {input.FullName}");

        var loading = Stopwatch.StartNew();
        await using var embedder = new MiniLmEmbedder();
        await stdout.WriteLineAsync($"loaded all-MiniLM-L6-v2 in {loading.ElapsedMilliseconds} ms");

        var training = Stopwatch.StartNew();
        var result = await WeightsTrainer.TrainAsync(rows, embedder, options, cancellationToken);
        var stats = embedder.GetStatistics();
        WeightsWriter.Write(result.Weights, outDir.FullName, id, $"trained from {input.Name} ({result.Rows} rows)");

        var inv = CultureInfo.InvariantCulture;
        await stdout.WriteLineAsync(string.Create(inv,
            $"embedded {result.DistinctPrompts} distinct prompts: {stats.MeanEncodeTimePerText.TotalMilliseconds:F2} ms per prompt (mean batch {stats.MeanBatchSize:F1})"));
        await stdout.WriteLineAsync(string.Create(inv,
            $"k-means: K={result.Weights.NumClusters}, {result.Iterations} iterations{(result.Converged ? string.Empty : " (not converged)")}, total {training.ElapsedMilliseconds} ms"));
        foreach (var p in result.Weights.Profiles)
            await stdout.WriteLineAsync(string.Create(inv,
                $"  {p.ModelId}: {p.NumValidationSamples} samples, accuracy {p.OverallAccuracy:P1}, cost/1k {p.CostPer1kTokens}"));
        foreach (var warning in result.Warnings) await stderr.WriteLineAsync($"warning: {warning}");
        await stdout.WriteLineAsync($"wrote {outDir.FullName}");
    }

    /// <summary>--costs file first, then each --cost model=value on top.</summary>
    internal static Dictionary<string, double> ReadCosts(FileInfo? file, IEnumerable<string> pairs)
    {
        var costs = new Dictionary<string, double>(StringComparer.Ordinal);
        if (file is not null)
        {
            var parsed = JsonSerializer.Deserialize(File.ReadAllBytes(file.FullName), RoutingJson.Default.DictionaryStringDouble)
                         ?? throw new InvalidDataException($"{file.FullName}: expected a JSON object of model → cost");
            foreach (var (model, value) in parsed) costs[model] = value;
        }
        foreach (var pair in pairs)
        {
            var eq = pair.LastIndexOf('=');
            if (eq <= 0 || !double.TryParse(pair.AsSpan(eq + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
                throw new ArgumentException($"--cost expects model=cost_per_1k_tokens, got '{pair}'");
            costs[pair[..eq]] = value;
        }
        return costs;
    }

    /// <summary>Refuses to mix a new training run with files of an old one unless --force.</summary>
    internal static void PrepareOutput(DirectoryInfo outDir, bool force)
    {
        var clusters = Path.Combine(outDir.FullName, Weights.WeightsLoader.ClustersDirectory);
        var profiles = Path.Combine(outDir.FullName, Weights.WeightsLoader.ProfilesDirectory);
        var existing = (Directory.Exists(clusters) ? Directory.GetFiles(clusters, "*.npz") : [])
            .Concat(Directory.Exists(profiles) ? Directory.GetFiles(profiles, "*.json") : [])
            .ToArray();
        if (existing.Length == 0) return;
        if (!force)
            throw new IOException($"{outDir.FullName} already holds weights ({existing.Length} files); pass --force to replace them");
        foreach (var file in existing) File.Delete(file);
    }
}
