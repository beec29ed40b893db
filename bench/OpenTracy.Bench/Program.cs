using OpenTracy.Bench;

// Side-by-side gateway benchmark. See docs/benchmark.md.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var runner = new Runner(options);
var report = await runner.RunAsync(cancel.Token);
await Report.WriteAsync(report, runner.OutputDirectory);
Console.WriteLine();
Console.WriteLine(Report.Markdown(report));
Runner.Log($"wrote {Path.Combine(runner.OutputDirectory, "latest.md")} and latest.json");
return report.Targets.Any(t => t.Key == TargetKeys.Direct && t.Failure is not null) ? 1 : 0;
