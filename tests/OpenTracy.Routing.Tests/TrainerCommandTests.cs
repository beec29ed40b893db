using System.Text;
using OpenTracy.Routing.Trainer;
using OpenTracy.Routing.Weights;

namespace OpenTracy.Routing.Tests;

public sealed class TrainerCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await TrainerCommand.Create(stdout, stderr).Parse(args).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Costs_come_from_the_file_then_the_pairs()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "costs.json");
        File.WriteAllText(file, """{"a": 0.001, "b": 0.002}""");

        var costs = TrainerCommand.ReadCosts(new FileInfo(file), ["b=0.005", "openai/gpt-4o=0.00625"]);

        Assert.Equal(0.001, costs["a"]);
        Assert.Equal(0.005, costs["b"]);
        Assert.Equal(0.00625, costs["openai/gpt-4o"]);
        Assert.Throws<ArgumentException>(() => TrainerCommand.ReadCosts(null, ["no-equals-sign"]));
        Assert.Throws<ArgumentException>(() => TrainerCommand.ReadCosts(null, ["m=-1"]));
    }

    [Fact]
    public async Task Missing_input_and_existing_weights_fail_with_a_message()
    {
        using var dir = new TempDir();
        var missing = await Run("--input", Path.Combine(dir.Path, "nope.jsonl"), "--out", Path.Combine(dir.Path, "w"));
        Assert.Equal(TrainerCommand.ExitFailed, missing.Exit);
        Assert.Contains("input file not found", missing.Err);

        var existing = ReferenceWeights.CopyTo(Path.Combine(dir.Path, "existing"));
        File.WriteAllText(Path.Combine(dir.Path, "rows.jsonl"), "{\"prompt\":\"p\",\"model\":\"m\",\"correct\":true}\n");
        var refused = await Run("--input", Path.Combine(dir.Path, "rows.jsonl"), "--out", existing);
        Assert.Equal(TrainerCommand.ExitFailed, refused.Exit);
        Assert.Contains("pass --force", refused.Err);
        Assert.Equal(10, WeightsLoader.Load(existing).NumModels); // untouched
    }

    [Fact]
    public async Task Trains_a_loadable_weights_directory_end_to_end()
    {
        using var dir = new TempDir();
        var rows = new StringBuilder();
        string[] maths = ["What is the integral of x squared?", "Solve the equation 3x + 5 = 20.", "What is the derivative of e to the x?"];
        string[] poems = ["Write a short poem about the sea.", "Write a haiku about autumn leaves.", "Compose a sonnet about the moon."];
        foreach (var p in maths) rows.AppendLine($"{{\"prompt\":\"{p}\",\"model\":\"math-model\",\"correct\":true}}").AppendLine($"{{\"prompt\":\"{p}\",\"model\":\"poet-model\",\"correct\":false}}");
        foreach (var p in poems) rows.AppendLine($"{{\"prompt\":\"{p}\",\"model\":\"math-model\",\"correct\":false}}").AppendLine($"{{\"prompt\":\"{p}\",\"model\":\"poet-model\",\"correct\":true}}");
        var input = Path.Combine(dir.Path, "rows.jsonl");
        File.WriteAllText(input, rows.ToString());
        var output = Path.Combine(dir.Path, "weights");

        var run = await Run("--input", input, "--out", output, "--clusters", "2", "--cost", "math-model=0.002");

        Assert.Equal(TrainerCommand.ExitOk, run.Exit);
        Assert.Contains("read 12 rows", run.Out);
        Assert.Contains("warning: no cost for model 'poet-model'", run.Err);
        var weights = WeightsLoader.Load(output);
        Assert.Equal(2, weights.NumClusters);
        Assert.True(weights.TryGetProfile("math-model", out var math));
        Assert.Equal(0.002, math.CostPer1kTokens);
        Assert.Equal(0.5, math.OverallAccuracy, 12);
        Assert.Equal([0.0, 1.0], math.PsiVector.Order());

        var again = await Run("--input", input, "--out", output, "--clusters", "2", "--force");
        Assert.Equal(TrainerCommand.ExitOk, again.Exit);
    }
}
