using System.Collections.Concurrent;

namespace OpenTracy.Cluster.Tests.Support;

/// <summary>One finished request of a load run.</summary>
public sealed record LoadResult(string Node, DateTime Started, DateTime Finished, string Model, ChatResult Result);

/// <summary>
/// Steady load: a few workers per node, each sending one request at a time round the given models.
/// Bounded in count (<see cref="MaxRequestsPerWorker"/>) and stopped by <see cref="StopNode"/> / <see cref="StopAsync"/>.
/// </summary>
public sealed class Load
{
    public const int MaxRequestsPerWorker = 2000;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    private readonly ConcurrentBag<LoadResult> _results = [];
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _stops = new();
    private readonly List<Task> _workers = [];

    public Load(HttpClient http, IEnumerable<NodeProcess> nodes, IReadOnlyList<string> models, int workersPerNode, string mockId)
    {
        foreach (var node in nodes)
        {
            var stop = _stops.GetOrAdd(node.Name, _ => new CancellationTokenSource());
            for (var w = 0; w < workersPerNode; w++)
            {
                var offset = w;
                _workers.Add(Task.Run(async () =>
                {
                    for (var i = 0; i < MaxRequestsPerWorker && !stop.IsCancellationRequested; i++)
                    {
                        var model = models[(i + offset) % models.Count];
                        var started = DateTime.UtcNow;
                        var result = await Chat.SendAsync(http, node.BaseUrl, model, $"[mock id={mockId}] hello");
                        _results.Add(new LoadResult(node.Name, started, DateTime.UtcNow, model, result));
                        try
                        {
                            await Task.Delay(Pause, stop.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }
                }));
            }
        }
    }

    public IReadOnlyList<LoadResult> Results => [.. _results];

    /// <summary>This node's workers send nothing more (requests already in flight finish or fail).</summary>
    public void StopNode(string name) => _stops[name].Cancel();

    public async Task StopAsync()
    {
        foreach (var s in _stops.Values) s.Cancel();
        await Task.WhenAll(_workers);
    }
}
