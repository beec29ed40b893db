using System.Net;
using System.Text.Json.Nodes;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OpenTracy.Node.Tests;

/// <summary>Starting and stopping the node: configuration files from the command line, shutdown coupling.</summary>
public sealed class NodeHostTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string?> Ephemeral = new()
    {
        ["OPENTRACY_HTTP_PORT"] = "0",
        ["OPENTRACY_AKKA_PORT"] = "0",
    };

    [Fact]
    public void Config_arguments_are_split_from_the_rest()
    {
        var (files, rest) = NodeHost.SplitArguments(["--config", "a.conf", "--urls", "x", "--config=b.conf"]);

        Assert.Equal([Path.GetFullPath("a.conf"), Path.GetFullPath("b.conf")], files);
        Assert.Equal(["--urls", "x"], rest);
        Assert.Throws<ArgumentException>(() => NodeHost.SplitArguments(["--config"]));
    }

    [Fact]
    public async Task A_config_file_from_the_command_line_is_layered_over_the_defaults()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "opentracy.http.hostname = \"127.0.0.1\"\nopentracy.models = [ \"openai/from-file\" ]");
        await using var app = NodeHost.Build(["--config", file], Ephemeral);
        try
        {
            await app.StartAsync();
            using var http = new HttpClient();

            var models = JsonNode.Parse(await http.GetStringAsync(new Uri(new Uri(NodeHost.HttpAddress(app)), "/v1/models")))!;

            Assert.Equal("openai/from-file", (string?)models["data"]![0]!["id"]);
            Assert.StartsWith("http://127.0.0.1:", NodeHost.HttpAddress(app));
        }
        finally
        {
            await app.StopAsync();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_terminated_actor_system_stops_the_web_host()
    {
        await using var app = NodeHost.Build([], Ephemeral, "opentracy.http.hostname = \"127.0.0.1\"");
        await app.StartAsync();
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());

        await app.Services.GetRequiredService<ActorSystem>().Terminate();

        await stopping.Task.WaitAsync(Patience);
        await app.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_runs_coordinated_shutdown()
    {
        await using var app = NodeHost.Build([], Ephemeral, "opentracy.http.hostname = \"127.0.0.1\"");
        await app.StartAsync();
        var system = app.Services.GetRequiredService<ActorSystem>();
        using (var http = new HttpClient())
        {
            // Membership goes Up shortly after start; on a loaded machine poll instead of asking once.
            var ready = new Uri(new Uri(NodeHost.HttpAddress(app)), "/health/ready");
            var deadline = DateTime.UtcNow + Patience;
            var status = HttpStatusCode.ServiceUnavailable;
            while (DateTime.UtcNow < deadline && (status = (await http.GetAsync(ready)).StatusCode) != HttpStatusCode.OK)
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            Assert.Equal(HttpStatusCode.OK, status);
        }

        await app.StopAsync();

        await system.WhenTerminated.WaitAsync(Patience);
        Assert.NotNull(CoordinatedShutdown.Get(system).ShutdownReason);
    }
}
